"""The rules blueprint and its loaders, shared by the view modules of rules (views.py,
committee_views.py, assisted_views.py): each loads an object of *this* community that the
person may see, else 404."""
from __future__ import annotations

from flask import abort, g, url_for

from ..web.permissions import found
from ..communities.scoping import community_blueprint, get_or_404
from . import labels
from . import permissions as perm
from . import queries
from .forms import KIND_LABELS
from .models import Amendment, RuleChapter, RuleClause, RuleDocument, RuleVersion

bp = community_blueprint("rules", __name__, "/rules")


@bp.app_context_processor
def _labels():
    return {"rule_kind_label": lambda kind: str(KIND_LABELS.get(kind, kind)),
            "rule_status_label": labels.status_label, "amendment_kind_label": labels.amendment_kind_label,
            "decision_label": labels.decision_label, "rule_status_tone": labels.status_tone,
            "amendment_state": labels.amendment_state}


def load_document(document_id: int) -> RuleDocument:
    return get_or_404(RuleDocument, g.community, document_id)


def load_version(version_id: int) -> RuleVersion:
    v = get_or_404(RuleVersion, g.community, version_id)
    if not perm.can_view_version(g.ctx, v):
        abort(404)  # a draft is the committee's: for everyone else it does not exist
    return v


def load_adopted(document_id: int) -> tuple[RuleDocument, RuleVersion]:
    """The document and its version in force, else 404."""
    doc = load_document(document_id)
    v = next((v for v in queries.versions_of(doc) if v.status == "adopted"), None)
    if v is None:
        abort(404)
    return doc, v


def load_clause(v: RuleVersion, clause_id: int) -> RuleClause:
    return found(queries.clause_of(v, clause_id))


def load_chapter(v: RuleVersion, chapter_id: int) -> RuleChapter:
    return found(queries.chapter_of(v, chapter_id))


def load_amendment(v: RuleVersion, amendment_id: int) -> Amendment:
    return found(queries.amendment_of(g.community, v, amendment_id))


def version_url(v, anchor: str = "") -> str:
    return url_for("rules.version", version_id=v.id) + anchor


def clause_url(v, c, anchor: str = "") -> str:
    return url_for("rules.clause", version_id=v.id, clause_id=c.id) + anchor


def amendment_url(v, a, anchor: str = "") -> str:
    return url_for("rules.amendment", version_id=v.id, amendment_id=a.id) + anchor


def revision_url(v, anchor: str = "") -> str:
    return url_for("rules.revision", version_id=v.id) + anchor
