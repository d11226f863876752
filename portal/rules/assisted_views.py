"""The committee records the support of a resident who came in person for an amendment.
Routes on the rules blueprint; the marking is portal.assisted's (the same as for proposals)."""
from __future__ import annotations

from flask import g
from flask_babel import gettext as _

from ..auth.services import find_user
from ..web.actions import Done, act
from ..web.permissions import require
from . import permissions as perm
from . import phases, services
from .blueprint import amendment_url, bp, load_amendment, load_version
from .forms import AssistedSupportForm
from .pages import amendment_page


@bp.post("/v/<id:version_id>/amendments/<id:amendment_id>/support/assisted")
def assisted_support(version_id, amendment_id):
    v = load_version(version_id)
    a = load_amendment(v, amendment_id)
    today = services.local_today()
    require(perm.can_record_support_with(g.ctx, v, a, today))
    form = AssistedSupportForm()

    def run():
        resident = find_user(form.resident.data)
        phases.support_amendment_with(g.community, v, a, resident, form.present.data,
                                      form.agreed.data, today, actor=g.ctx.user)
        return Done(amendment_url(v, a), _("The support of %(name)s is recorded, marked as recorded by you.",
                                           name=resident.display_name))

    return act(form, run, lambda: amendment_page(v, a, assisted_form=form), once=True)
