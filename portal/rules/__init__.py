"""Village rules (村规民约): clause-by-clause deliberation, amendments, versions, adoption."""
