"""Communities, memberships, roles."""
