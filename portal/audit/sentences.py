"""Each audit event as one plain sentence (issue 14): "王秀英（村委会）答复了第 7 号提案：已列入计划".

One template per action, SENTENCES below; tests/test_audit_trail.py fails when an action written by
record() anywhere in portal/ has none. A template names the actor as %(who)s and the object as
%(what)s (a link when the reader may see it, decided by the view); a few also use a value from the
event's data (%(user)s, %(role)s, %(decision)s, %(title)s). The stored payload and hash stay
behind the "Details" disclosure of the audit page: the sentence is for reading, the payload is what
the chain commits to.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from ..proposals.labels import STATE_LABELS as PROPOSAL_STATES
from .labels import action_label, role_label

SENTENCES = {
    "community.created": _l("%(who)s created this community"),
    "membership.requested": _l("%(who)s asked to join"),
    "membership.verified": _l("%(who)s confirmed %(user)s as a resident"),
    "membership.rejected": _l("%(who)s turned down the join request of %(user)s"),
    "membership.added": _l("%(who)s added %(user)s as a resident"),
    "role.granted": _l("%(who)s made %(user)s %(role)s"),
    "role.revoked": _l("%(who)s took the role %(role)s away from %(user)s"),
    "attachment.added": _l("%(who)s added a photo or recording"),
    "comment.added": _l("%(who)s wrote a comment"),
    "content.flagged": _l("%(who)s reported something to the committee"),
    "content.hidden": _l("%(who)s hid something that breaks the rules"),
    "content.restored": _l("%(who)s showed something hidden again"),
    "content.flags_dismissed": _l("%(who)s closed the reports and kept it visible"),
    "proposal.created": _l("%(who)s wrote %(what)s"),
    "proposal.edited": _l("%(who)s changed the draft of %(what)s"),
    "proposal.published": _l("%(who)s published %(what)s"),
    "proposal.withdrawn": _l("%(who)s withdrew %(what)s"),
    "proposal.supported": _l("%(who)s supported %(what)s"),
    "proposal.unsupported": _l("%(who)s withdrew their support for %(what)s"),
    "proposal.review_started": _l("%(what)s has enough support and went to the committee"),
    "proposal.answered": _l("%(who)s answered %(what)s: %(decision)s"),
    "proposal.progress": _l("%(who)s reported progress on %(what)s"),
    "proposals.settings_changed": _l("%(who)s changed the proposal settings"),
    "proposals.category_added": _l("%(who)s added a proposal category"),
    "proposals.category_changed": _l("%(who)s changed a proposal category"),
    "roster.imported": _l("%(who)s imported residents from the roster"),
    "household.representative": _l("%(who)s chose a household's representative"),
    "login_card.issued": _l("%(who)s printed a login card"),
    "login_card.used": _l("%(who)s signed in with a login card for the first time"),
    "assisted.recorded": _l("%(who)s recorded an action for a resident who was present"),
    "assisted.disputed": _l("%(who)s objected to an action recorded for them"),
    "rules.document_created": _l("%(who)s started the rules document %(title)s"),
    "rules.chapter_added": _l("%(who)s added a chapter to %(what)s"),
    "rules.chapter_renamed": _l("%(who)s renamed a chapter of %(what)s"),
    "rules.clause_added": _l("%(who)s added a clause to %(what)s"),
    "rules.clause_edited": _l("%(who)s changed a clause of %(what)s"),
    "rules.clause_moved": _l("%(who)s moved a clause of %(what)s"),
    "rules.clause_deleted": _l("%(who)s deleted a clause of %(what)s"),
    "rules.consultation_opened": _l("%(who)s opened %(what)s for comments"),
    "rules.revision_started": _l("%(who)s closed the comments on %(what)s and started the revision"),
    "rules.amendment_proposed": _l("%(who)s proposed %(what)s"),
    "rules.amendment_supported": _l("%(who)s supported %(what)s"),
    "rules.amendment_decided": _l("%(who)s decided on %(what)s"),
    "rules.revision_concluded": _l("%(who)s concluded the revision of %(what)s"),
    "rules.redraft_started": _l("%(who)s started a new draft, %(what)s"),
    "rules.adoption_vote_started": _l("%(who)s sent %(what)s to the adoption vote"),
    "rules.adopted": _l("%(what)s was adopted"),
    "rules.returned": _l("%(what)s was not adopted and went back to drafting"),
    "rules.filed": _l("%(who)s filed %(what)s with the township"),
    "mediation.requested": _l("%(who)s asked for mediation: %(what)s"),
    "mediation.triaged": _l("%(who)s decided on the request, %(what)s"),
    "mediation.other_party_answered": _l("The other party of %(what)s answered (recorded by %(who)s)"),
    "mediation.started": _l("%(who)s started the mediation of %(what)s"),
    "mediation.paused": _l("%(what)s waits for a new mediator"),
    "mediation.mediator_assigned": _l("%(who)s assigned %(user)s to %(what)s"),
    "mediation.mediator_removed": _l("%(who)s removed %(user)s from %(what)s"),
    "mediation.conflict_declared": _l("%(who)s stepped aside from %(what)s (conflict of interest)"),
    "mediation.no_conflict_declared": _l("%(who)s declared no conflict of interest in %(what)s"),
    "mediation.withdrawn": _l("%(who)s withdrew the request %(what)s"),
    "mediation.other_mediator_asked": _l("%(who)s asked for another mediator for %(what)s"),
    "mediation.session_added": _l("%(who)s recorded a mediation session of %(what)s"),
    "mediation.outcome": _l("%(who)s recorded the outcome of %(what)s"),
    "mediation.followed_up": _l("%(who)s recorded the follow-up of %(what)s"),
    "mediation.closed": _l("%(who)s closed %(what)s"),
    "mediation.rated": _l("%(who)s rated the mediation of %(what)s"),
    "mediation.correction_asked": _l("%(who)s asked for a correction in %(what)s"),
    "mediation.viewed": _l("%(who)s looked at %(what)s"),
    "mediation.exported": _l("%(who)s downloaded their own data of %(what)s"),
    "mediation.cases_exported": _l("%(who)s exported the mediation cases"),
    "mediation.anonymised": _l("%(who)s removed the names from %(what)s"),
    "poll.created": _l("%(who)s prepared %(what)s"),
    "poll.edited": _l("%(who)s changed %(what)s"),
    "poll.opened": _l("%(who)s opened %(what)s"),
    "poll.participated": _l("%(who)s took part in %(what)s"),
    "poll.paper_entered": _l("%(who)s entered the paper ballot totals of %(what)s"),
    "poll.paper_confirmed": _l("%(who)s confirmed the paper ballot totals of %(what)s"),
    "poll.closed": _l("%(what)s closed"),
    "poll.result_published": _l("The result of %(what)s was published"),
    # Levels (issue 15): units, grids, categories, and the anchors of the chains below.
    "unit.created": _l("%(who)s set up this unit"),
    "unit.child_created": _l("%(who)s set up a unit below this one"),
    "grid.created": _l("%(who)s made a grid"),
    "grid.worker_assigned": _l("%(who)s gave a grid its grid worker"),
    "grid.household_set": _l("%(who)s placed a household in a grid"),
    "matter_category.saved": _l("%(who)s saved a category of matters"),
    "audit.anchored": _l("The trail of a unit below was written into this trail"),
    # Matters. The reporter's own steps never name them (an anonymous report, and the units
    # above, must not learn who reported): those sentences have no %(who)s.
    "matter.reported": _l("%(what)s was reported"),
    "matter.handled": _l("%(who)s took on %(what)s"),
    "matter.merged": _l("%(who)s merged %(what)s into an earlier report of the same problem"),
    "matter.asked": _l("%(who)s asked the reporter of %(what)s for more"),
    "matter.answered": _l("The reporter of %(what)s answered"),
    "matter.refused": _l("%(who)s refused %(what)s and gave the reason"),
    "matter.accepted": _l("%(who)s accepted %(what)s"),
    "matter.noted": _l("%(who)s wrote down progress on %(what)s"),
    "matter.extension_asked": _l("%(who)s asked for a longer deadline for %(what)s"),
    "matter.extension_granted": _l("%(who)s granted a longer deadline for %(what)s"),
    "matter.extension_refused": _l("%(who)s refused a longer deadline for %(what)s"),
    "matter.resolved": _l("%(who)s marked %(what)s as resolved"),
    "matter.not_fixed": _l("%(what)s is not fixed yet, said the one who checked it"),
    "matter.closed": _l("%(what)s was confirmed fixed and closed"),
    "matter.rated": _l("The reporter of %(what)s said how satisfied they are"),
    "matter.reopened": _l("The reporter of %(what)s reopened it"),
    "matter.urged": _l("%(who)s urged the unit holding %(what)s"),
    "matter.dispatched.sent": _l("%(who)s sent %(what)s to another unit"),
    "matter.dispatched.received": _l("%(what)s was sent to this unit by %(who)s"),
    "matter.returned.sent": _l("%(who)s sent %(what)s back"),
    "matter.returned.received": _l("%(what)s was sent back to this unit by %(who)s"),
    "matter.recalled.sent": _l("%(what)s was taken back by %(who)s"),
    "matter.recalled.received": _l("%(who)s took %(what)s back"),
    "matter.escalated.sent": _l("%(what)s was past its deadline and went one level up"),
    "matter.escalated.received": _l("%(what)s was past its deadline and came up to this unit"),
    "matter.reopened.sent": _l("The reporter of %(what)s reopened it and it went back to the unit that resolved it"),
    "matter.reopened.received": _l("The reporter of %(what)s reopened it: it is back with this unit"),
}

# How an object is named, by the subject type record() wrote.
OBJECTS = {
    "proposal": _l("proposal no. %(n)d"),
    "poll": _l("vote no. %(n)d"),
    "rule_version": _l("rules version no. %(n)d"),
    "rule_amendment": _l("amendment no. %(n)d"),
    "mediation_case": _l("mediation case no. %(n)d"),
    "matter": _l("matter no. %(n)d"),  # n: its serial in its community (the event's data)
}


@dataclass
class Context:
    """What the view knows about one page of events: names of people and the objects' links."""
    names: dict[int, str] = field(default_factory=dict)
    links: dict[tuple[str, int], str] = field(default_factory=dict)


def _person(user_id, role: str | None, ctx: Context, link: str | None = None) -> Markup:
    if user_id is None:
        return Markup(escape(_("The system")))
    name = ctx.names.get(user_id, "#%d" % user_id)
    shown = Markup('<a href="{0}">{1}</a>').format(link, name) if link else escape(name)
    label = str(role_label(role)) if role and role not in ("user", "system") else ""
    if label and not any(b in name for b in "（("):  # a name that carries its role already: 王秀英（村委会）
        return Markup(escape(_("%(name)s (%(role)s)"))) % {"name": shown, "role": label}
    return Markup(shown)


def _object(subject_type, subject_id, ctx: Context, data: dict | None = None) -> Markup:
    template = OBJECTS.get(subject_type)
    if template is None or subject_id is None:
        return Markup(escape(_("something")))
    number = subject_id
    if subject_type == "matter":  # a matter is numbered per community, not by its row id
        serial = (data or {}).get("serial")
        number = serial if type(serial) is int else subject_id
    text = str(template) % {"n": number}
    url = ctx.links.get((subject_type, subject_id))
    return Markup('<a href="{0}">{1}</a>').format(url, text) if url else Markup(escape(text))


def data_of(event) -> dict:
    try:
        data = json.loads(event.payload).get("data")
    except (ValueError, AttributeError):
        return {}
    return data if isinstance(data, dict) else {}


def people_named(event) -> set[int]:
    """Ids of the people the event's sentence names besides its actor: none (see sentence())."""
    return set()


def sentence(event, ctx: Context, actor_link: str | None = None) -> Markup:
    """The event as one sentence, escaped, with links where ctx has them."""
    template = SENTENCES.get(event.action)
    who = _person(event.actor_id, event.actor_role, ctx, actor_link)
    if template is None:  # an action without a sentence (a test makes sure portal/ writes none)
        return Markup(escape(_("%(who)s: %(action)s"))) % {"who": who, "action": action_label(event.action)}
    data = data_of(event)
    decision = data.get("decision")
    values = {
        "who": who,
        "what": _object(event.subject_type, event.subject_id, ctx, data),
        # The other person is not named: who joined or mediates is not this page's to tell (a
        # case's people stay need-to-know, tests/test_mediation*); the actor is named as before.
        "user": Markup(escape(_("someone"))),
        "role": escape(role_label(str(data.get("role", "")))),
        "decision": escape(PROPOSAL_STATES.get(decision, decision or "")),
        "title": escape(_("“%(title)s”", title=str(data.get("title", "")))),
    }
    # The template is our own text, escaped too: only the values above may carry markup.
    return Markup(escape(str(template))) % values
