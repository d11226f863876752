"""Committee settings for proposals: threshold, answer deadline, categories."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..communities.scoping import get_or_404
from ..web.errors import PortalError
from ..extensions import db
from ..web.permissions import require
from . import permissions as perm
from . import services
from .forms import CategoryForm, SettingsForm
from .models import ProposalCategory
from .views import bp


def _render(form=None, cat_form=None, status=200):
    s = services.settings_for(g.community)
    if form is None:
        form = SettingsForm(data={"support_threshold": s.support_threshold,
                                  "threshold_percent": s.threshold_percent, "answer_days": s.answer_days})
    return render_template("proposals/settings.html", form=form, cat_form=cat_form or CategoryForm(),
                           cats=services.categories(g.community, include_inactive=True),
                           threshold=services.threshold_for(g.community)), status


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    require(perm.can_manage_settings(g.ctx))
    if request.method == "GET":
        return _render()
    form = SettingsForm()
    if not form.validate_on_submit():
        return _render(form=form, status=400)
    services.update_settings(current_user, g.community, form.support_threshold.data,
                             form.threshold_percent.data or None, form.answer_days.data)
    db.session.commit()
    flash(_("The settings are saved."), "success")
    return redirect(url_for("proposals.settings"), code=303)


@bp.post("/settings/categories")
def add_category():
    require(perm.can_manage_settings(g.ctx))
    form = CategoryForm()
    if form.validate_on_submit():
        try:
            services.add_category(current_user, g.community, form.key.data, form.name_zh.data, form.name_en.data)
            db.session.commit()
            flash(_("The category is added."), "success")
            return redirect(url_for("proposals.settings"), code=303)
        except PortalError as exc:
            db.session.rollback()
            form.key.errors.append(exc.message)
    return _render(cat_form=form, status=400)


@bp.post("/settings/categories/<id:category_id>/toggle")
def toggle_category(category_id):
    # Load first: a category of another community is a 404 for everyone, never a 403.
    cat = get_or_404(ProposalCategory, g.community, category_id)
    require(perm.can_manage_settings(g.ctx))
    services.set_category_active(current_user, g.community, cat, not cat.active)
    db.session.commit()
    flash(_("The category is updated."), "success")
    return redirect(url_for("proposals.settings"), code=303)
