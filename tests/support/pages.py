"""Pages and the audit trail as tests see them: a client in English, a page that must answer, the events after a point, a sound chain."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.audit import verify_community
from portal.audit.models import AuditEvent
from portal.extensions import db

from .security import client_as


def en(app, role):
    """A client (signed in as `role`, or a visitor) whose browser asks for English."""
    c = client_as(app, role)
    c.http._c.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return c


def page(client, url, status=200):
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code, r.headers.get("Location"))
    return r.get_data(as_text=True)


def follow(client, response):
    """The page a 303 leads to (flash messages included)."""
    assert response.status_code == 303, (response.status_code, response.get_data(as_text=True)[:1500])
    return page(client, response.headers["Location"])


def audit_seq(community) -> int:
    db.session.expire_all()
    return db.session.execute(select(func.max(AuditEvent.seq)).where(
        AuditEvent.community_id == community.id)).scalar_one() or 0


def events_after(community, seq) -> list[AuditEvent]:
    return db.session.execute(select(AuditEvent).where(
        AuditEvent.community_id == community.id, AuditEvent.seq > seq).order_by(AuditEvent.seq)).scalars().all()


def chain_ok(*communities):
    for c in communities:
        r = verify_community(c)
        assert r.ok, r
