"""Helpers for proposal tests."""
from __future__ import annotations

from portal.extensions import db
from portal.proposals import services as ps


def category_id(community):
    return ps.categories(community)[0].id


def make_proposal(world, author="resa", publish=True, title="Fix the road to the school",
                  body="The road floods when it rains.\nChildren walk in water.", community=None):
    community = community or world.a
    p = ps.create_proposal(community, title, body, category_id(community), publish=publish, actor=world[author])
    db.session.commit()
    return p


def set_threshold(community, n, days=15):
    from portal.proposals.models import ProposalSettings

    s = db.session.get(ProposalSettings, community.id)
    if s is None:
        s = ProposalSettings(community_id=community.id)
        db.session.add(s)
    s.support_threshold, s.threshold_percent, s.answer_days = n, None, days
    db.session.commit()
