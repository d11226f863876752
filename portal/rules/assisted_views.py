"""The committee records the support of a resident who came in person for an amendment.
Routes on the rules blueprint; the marking is portal.assisted's (the same as for proposals)."""
from __future__ import annotations

from flask import flash, g, redirect, url_for
from flask_babel import gettext as _

from ..assisted.forms import ResidentForm
from ..auth.services import find_user
from ..web.errors import PortalError
from ..extensions import db
from ..web.permissions import require
from . import permissions as perm
from . import phases, services
from .views import bp, load_amendment, load_version


@bp.post("/v/<id:version_id>/amendments/<id:amendment_id>/support/assisted")
def assisted_support(version_id, amendment_id):
    v = load_version(version_id)
    a = load_amendment(v, amendment_id)
    today = services.local_today()
    require(perm.can_record_support_with(g.ctx, v, a, today))
    form = ResidentForm()
    if not form.validate_on_submit():
        raise PortalError(_("Give the resident's user name and confirm both boxes."))  # 400 page
    resident = find_user(form.resident.data)
    back = url_for("rules.amendment", version_id=v.id, amendment_id=a.id)
    try:
        phases.support_amendment_with(g.ctx.user, g.community, v, a, resident, form.present.data,
                                      form.agreed.data, today)
        db.session.commit()
    except PortalError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(back + "#assisted-support", code=303)
    flash(_("The support of %(name)s is recorded, marked as recorded by you.", name=resident.display_name),
          "success")
    return redirect(back, code=303)
