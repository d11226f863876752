"""What rules bring to the portal's shared mechanisms: moderation (amendments, comments on
clauses), read-aloud (every clause), and the poll link that adopts a version. Called from the
package's init_app, never at import."""
from __future__ import annotations

from flask import url_for

from . import adoption, readaloud
from .models import Amendment, RuleClause


def _clause_url(clause_id: int) -> str:
    from ..extensions import db

    c = db.session.get(RuleClause, clause_id)
    return url_for("rules.clause", version_id=c.version_id, clause_id=clause_id)


def _amendment_url(a) -> str:
    return url_for("rules.amendment", version_id=a.version_id, amendment_id=a.id)


def _amendment_url_for_id(amendment_id: int) -> str:
    from ..extensions import db

    return _amendment_url(db.session.get(Amendment, amendment_id))


def register() -> None:
    from ..moderation import registry

    registry.register("rule_clause", RuleClause, url=lambda c: _clause_url(c.id), excerpt=lambda c: c.text[:200],
                      url_for_id=_clause_url)
    registry.register("rule_amendment", Amendment, url=_amendment_url,
                      excerpt=lambda a: (a.proposed_text or a.rationale)[:200], url_for_id=_amendment_url_for_id)
    readaloud.register()
    adoption.register_link()

