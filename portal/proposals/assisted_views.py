"""The committee acts with a resident who is present: writes their proposal, records their
support. Routes on the proposals blueprint; the marking is portal.assisted's."""
from __future__ import annotations

from flask import flash, g, render_template, request
from flask_babel import gettext as _

from ..assisted import permissions as assisted_perm
from ..assisted import services as assisted
from ..assisted.forms import ResidentForm
from ..auth.services import find_user
from ..web.errors import PortalError
from ..extensions import db
from ..web.permissions import require
from . import services
from .forms import ProposalForm
from .views import _category_choices, _load, _to_detail, bp


class AssistedProposalForm(ResidentForm, ProposalForm):
    pass


@bp.route("/assisted", methods=["GET", "POST"])
def assisted_new():
    require(assisted_perm.can_record(g.ctx))
    form = AssistedProposalForm()
    form.category.choices = _category_choices()
    if form.validate_on_submit():
        resident = find_user(form.resident.data)
        try:
            p = assisted.act_for(g.ctx.user, g.community, resident, "proposal.created", form.present.data,
                                 form.agreed.data, lambda: services.create_proposal(
                                     resident, g.community, form.title.data, form.body.data, form.category.data,
                                     publish=True, origin="assisted"))
            db.session.commit()
        except PortalError as exc:
            db.session.rollback()
            form.resident.errors.append(exc.message)
        else:
            flash(_("The proposal is published in the name of %(name)s, marked as recorded by you.",
                    name=resident.display_name), "success")
            return _to_detail(p)
    status = 400 if request.method == "POST" else 200
    return render_template("proposals/assisted.html", form=form), status


@bp.post("/<id:proposal_id>/support/assisted")
def assisted_support(proposal_id):
    p = _load(proposal_id)
    require(assisted_perm.can_record(g.ctx))
    form = ResidentForm()
    if not form.validate_on_submit():
        raise PortalError(_("Give the resident's user name and confirm both boxes."))  # 400 page
    resident = find_user(form.resident.data)

    def do():
        if not services.support(resident, g.community, p, origin="assisted"):
            raise PortalError(_("%(name)s already supports this proposal.", name=resident.display_name))
        return p
    try:
        assisted.act_for(g.ctx.user, g.community, resident, "proposal.supported", form.present.data,
                         form.agreed.data, do)
        db.session.commit()
    except PortalError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _to_detail(p, "#assisted-support")
    flash(_("The support of %(name)s is recorded, marked as recorded by you.", name=resident.display_name),
          "success")
    return _to_detail(p)
