"""Import every model so metadata (and Alembic) sees all tables."""
from .audit.models import AuditEvent  # noqa: F401
from .auth.models import AuthSession, SecurityEvent, User  # noqa: F401
from .communities.models import Community, MemberRole, Membership  # noqa: F401
from .uploads.models import Attachment  # noqa: F401
from .comments.models import Comment  # noqa: F401
from .moderation.models import Flag  # noqa: F401
from .proposals.models import (OfficialAnswer, ProgressUpdate, Proposal, ProposalCategory,  # noqa: F401
                               ProposalSettings, ProposalSupport)
from .votes.models import (Ballot, ElectorateEntry, PaperTotals, Poll, PollOption, PollResult,  # noqa: F401
                           RollCallVote, RollEntry)
