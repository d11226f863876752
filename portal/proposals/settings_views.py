"""Committee settings for proposals: threshold, answer deadline, categories."""
from __future__ import annotations

from flask import g, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..communities.scoping import get_or_404
from ..web.actions import Done, act
from ..web.forms import ButtonForm
from ..web.permissions import require
from . import permissions as perm
from . import services
from .blueprint import bp
from .forms import CategoryForm, SettingsForm
from .models import ProposalCategory


def _page(form=None, cat_form=None):
    return render_template("proposals/settings.html", form=form or _settings_form(), cat_form=cat_form or CategoryForm(),
                           cats=services.categories(g.community, include_inactive=True),
                           threshold=services.threshold_for(g.community))


def _settings_form():
    s = services.settings_for(g.community)
    return SettingsForm(formdata=None, data={"support_threshold": s.support_threshold,
                                             "threshold_percent": s.threshold_percent, "answer_days": s.answer_days})


def _back() -> str:
    return url_for("proposals.settings")


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    require(perm.can_manage_settings(g.ctx))
    form = SettingsForm() if request.method == "POST" else _settings_form()
    return act(form, lambda: Done(_back(), _("The settings are saved."), result=services.update_settings(
        g.community, form.support_threshold.data, form.threshold_percent.data or None,
        form.answer_days.data, actor=current_user)), lambda: _page(form=form))


@bp.post("/settings/categories")
def add_category():
    require(perm.can_manage_settings(g.ctx))
    form = CategoryForm()
    return act(form, lambda: Done(_back(), _("The category is added."), result=services.add_category(
        g.community, form.key.data, form.name_zh.data, form.name_en.data, actor=current_user)),
        lambda: _page(cat_form=form))


@bp.post("/settings/categories/<id:category_id>/toggle")
def toggle_category(category_id):
    # Load first: a category of another community is a 404 for everyone, never a 403.
    cat = get_or_404(ProposalCategory, g.community, category_id)
    require(perm.can_manage_settings(g.ctx))
    return act(ButtonForm(), lambda: Done(_back(), _("The category is updated."), result=services.set_category_active(
        g.community, cat, not cat.active, actor=current_user)), _page)
