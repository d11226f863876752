"""Import every model so metadata (and Alembic) sees all tables."""
from .audit.models import AuditEvent  # noqa: F401
from .auth.models import AuthSession, SecurityEvent, User  # noqa: F401
from .communities.models import Community, MemberRole, Membership  # noqa: F401
