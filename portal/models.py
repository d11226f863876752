"""Import every model so metadata (and Alembic) sees all tables."""
from .audit.models import AuditEvent  # noqa: F401
from .auth.models import AuthSession, SecurityEvent, User  # noqa: F401
from .communities.models import Community, MemberRole, Membership  # noqa: F401
from .uploads.models import Attachment  # noqa: F401
from .comments.models import Comment  # noqa: F401
from .moderation.models import Flag  # noqa: F401
from .proposals.models import (OfficialAnswer, ProgressUpdate, Proposal, ProposalCategory,  # noqa: F401
                               ProposalSettings, ProposalSupport)
from .levels.models import Grid, GridAssignment  # noqa: F401
from .roster.models import Household, HouseholdMember, LoginCard  # noqa: F401
from .assisted.models import AssistedAction  # noqa: F401
from .rules.models import (Amendment, AmendmentSupport, RuleChapter, RuleClause, RuleDocument,  # noqa: F401
                           RuleVersion)
from .mediation.models import (Agreement, AgreementTerm, CaseSession, CorrectionRequest,  # noqa: F401
                               FollowUp, MediationCase, MediatorAssignment, Rating)
from .votes.models import (Ballot, ElectorateEntry, PaperTotals, Poll, PollKey, PollOption, PollResult,  # noqa: F401
                           RollCallVote, RollEntry, SealedBallot)
from .matters.models import Matter, MatterCategory, MatterCloseDays, MatterStep, MatterTally  # noqa: F401
from .web.models import SubmittedForm  # noqa: F401
