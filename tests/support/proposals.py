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


def assisted_support_entry(world):
    """A support the committee recorded for resa, present and agreeing: its ledger entry."""
    from portal.assisted import services as assisted
    from portal.assisted.models import AssistedAction
    from portal.extensions import db
    from portal.proposals import services as ps

    p = make_proposal(world, author="coma")
    assisted.act_for(world.a, world["resa"], "proposal.supported", True, True,
                     lambda: (ps.support(world.a, p, origin="assisted", actor=world["resa"]), p)[1], actor=world["coma"])
    db.session.commit()
    return db.session.execute(db.select(AssistedAction)).scalar_one()
