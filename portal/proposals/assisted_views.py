"""The committee acts with a resident who is present: writes their proposal, records their
support. Routes on the proposals blueprint; the marking is portal.assisted's."""
from __future__ import annotations

from flask import g, render_template
from flask_babel import gettext as _

from ..assisted import permissions as assisted_perm
from ..assisted import services as assisted
from ..auth.services import find_user
from ..web.actions import Done, act
from ..web.errors import PortalError
from ..web.permissions import require
from . import services
from .blueprint import bp, category_choices, detail_url, load
from .forms import AssistedProposalForm, AssistedSupportForm
from .pages import detail_page


@bp.route("/assisted", methods=["GET", "POST"])
def assisted_new():
    require(assisted_perm.can_record(g.ctx))
    form = AssistedProposalForm()
    form.category.choices = category_choices()

    def run():
        resident = find_user(form.resident.data)
        p = assisted.act_for(g.community, resident, "proposal.created", form.present.data,
                             form.agreed.data, lambda: services.create_proposal(
                                 g.community, form.title.data, form.body.data, form.category.data,
                                 publish=True, origin="assisted", actor=resident), actor=g.ctx.user)
        return Done(detail_url(p), _("The proposal is published in the name of %(name)s, marked as recorded by "
                                     "you.", name=resident.display_name))

    return act(form, run, lambda: render_template("proposals/assisted.html", form=form), once=True)


@bp.post("/<id:proposal_id>/support/assisted")
def assisted_support(proposal_id):
    p = load(proposal_id)
    require(assisted_perm.can_record(g.ctx))
    form = AssistedSupportForm()

    def run():
        resident = find_user(form.resident.data)

        def do():
            if not services.support(g.community, p, origin="assisted", actor=resident):
                raise PortalError(_("%(name)s already supports this proposal.", name=resident.display_name),
                                  field="resident")
            return p

        assisted.act_for(g.community, resident, "proposal.supported", form.present.data,
                         form.agreed.data, do, actor=g.ctx.user)
        return Done(detail_url(p), _("The support of %(name)s is recorded, marked as recorded by you.",
                                     name=resident.display_name))

    return act(form, run, lambda: detail_page(p, assisted_form=form), once=True)
