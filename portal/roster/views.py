"""Roster pages (committee): import with a preview, households, login cards; and the page
a resident reaches from the QR code of their card."""
from __future__ import annotations

import segno
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from markupsafe import Markup
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..communities.models import Membership
from ..communities.scoping import community_blueprint, get_or_404
from ..web.errors import PortalError
from ..extensions import db, limiter
from ..web.permissions import require
from . import csvfile, services
from . import permissions as perm
from .forms import CardSecretForm, ConfirmForm, RepresentativeForm, UploadForm
from .models import Household, HouseholdMember

bp = community_blueprint("roster", __name__, "/roster")
cards = Blueprint("cards", __name__)
HOUSEHOLDS_PER_PAGE = 50


@bp.get("/")
def index():
    require(perm.can_manage_roster(g.ctx))
    return render_template("roster/index.html", form=UploadForm())


def _preview(form, text: str, file_errors: list):
    rows, errors = csvfile.parse(text) if not file_errors else ([], file_errors)
    plan = services.plan_import(g.community, rows)
    bad = bool(errors) or any(p.status == "error" for p in plan)
    confirm = ConfirmForm(formdata=None, roster_text=text) if not bad and plan else None
    counts = {s: sum(p.status == s for p in plan) for s in ("new", "existing", "error")}
    return render_template("roster/preview.html", form=form, plan=plan, errors=errors, counts=counts,
                           confirm=confirm), (400 if bad else 200)


@bp.post("/preview")
def preview():
    require(perm.can_manage_roster(g.ctx))
    form = UploadForm()
    if not form.validate_on_submit():
        return render_template("roster/index.html", form=form), 400
    data = form.roster.data.read(csvfile.MAX_BYTES + 1)
    if len(data) > csvfile.MAX_BYTES:
        return _preview(form, "", [_("The file is larger than %(kb)d KB.", kb=csvfile.MAX_BYTES // 1024)])
    try:
        text = csvfile.decode(data)
    except ValueError:
        return _preview(form, "", [_("The file is not text in UTF-8 or GBK. Save it as CSV and try again.")])
    return _preview(form, text, [])


@bp.post("/import")
def confirm_import():
    require(perm.can_manage_roster(g.ctx))
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    rows, errors = csvfile.parse(form.roster_text.data)
    if errors or any(r.errors for r in rows):
        abort(400)  # the preview never offers to confirm such a file
    try:
        counts = services.import_roster(g.ctx.user, g.community, rows)
    except PortalError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("roster.index"), code=303)
    db.session.commit()
    flash(_("Imported: %(added)d new residents; %(existing)d were already on the roster.", **counts), "success")
    return redirect(url_for("roster.households"), code=303)


@bp.get("/households")
def households():
    require(perm.can_manage_roster(g.ctx))
    page = request.args.get("page", "1")
    page = int(page) if page.isascii() and page.isdigit() and len(page) < 6 else 1
    total = db.session.execute(select(func.count()).select_from(Household)
                               .where(Household.community_id == g.community.id)).scalar_one()
    pages = max(1, -(-total // HOUSEHOLDS_PER_PAGE))
    page = min(max(page, 1), pages)
    items = db.session.execute(
        select(Household).where(Household.community_id == g.community.id).order_by(Household.name)
        .limit(HOUSEHOLDS_PER_PAGE).offset((page - 1) * HOUSEHOLDS_PER_PAGE)).scalars().all()
    members = db.session.execute(
        select(HouseholdMember.household_id, Membership).join(Membership, Membership.id == HouseholdMember.membership_id)
        .where(HouseholdMember.household_id.in_([h.id for h in items])).order_by(Membership.id)).all()
    by_household: dict[int, list] = {}
    for hid, m in members:
        by_household.setdefault(hid, []).append(m)
    forms = {}
    for h in items:
        f = RepresentativeForm(formdata=None, prefix=f"h{h.id}", membership_id=h.representative_id)
        f.membership_id.choices = [(m.id, m.user.display_name) for m in by_household.get(h.id, [])]
        forms[h.id] = f
    return render_template("roster/households.html", items=items, members=by_household, forms=forms,
                           page=page, pages=pages, total=total)


@bp.post("/households/<id:household_id>/representative")
def representative(household_id):
    require(perm.can_manage_roster(g.ctx))
    household = get_or_404(Household, g.community, household_id)
    raw = request.form.get(f"h{household.id}-membership_id", "")
    if not (raw.isascii() and raw.isdigit() and len(raw) < 10):
        abort(400)
    membership = get_or_404(Membership, g.community, int(raw))
    try:
        services.set_representative(g.ctx.user, g.community, household, membership)
    except PortalError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("roster.households"), code=303)
    db.session.commit()
    flash(_("The representative of %(name)s is now %(person)s.", name=household.name,
            person=membership.user.display_name), "success")
    return redirect(url_for("roster.households"), code=303)


@bp.post("/cards/<id:member_id>")
def issue_card(member_id):
    """Prints the card right away: only the token's hash is kept, so this is the one
    moment the link exists in the clear. Printing again makes a new card."""
    membership = get_or_404(Membership, g.community, member_id)
    require(perm.can_issue_card(g.ctx, membership))
    from ..communities.forms import EmptyForm
    if not EmptyForm().validate_on_submit():
        abort(400)
    card, token = services.issue_card(g.ctx.user, g.community, membership)
    db.session.commit()
    link = url_for("cards.use", token=token, _external=True)
    # segno's SVG of a link the portal made itself: markup the template may place as is.
    qr = Markup(segno.make(link, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff"))
    return render_template("roster/card.html", card=card, member=membership, link=link, qr=qr)


@cards.route("/card/<token>", methods=["GET", "POST"])
@limiter.limit("20 per minute;100 per hour")
def use(token):
    card = services.card_for(token)
    problem = services.card_problem(card)
    if problem is not None:
        return render_template("roster/card_problem.html", problem=problem), 410 if card else 404
    form = CardSecretForm()
    if form.validate_on_submit():
        try:
            user = services.redeem_card(card, form.secret.data, request.remote_addr)
        except PortalError as exc:
            db.session.rollback()
            form.secret.errors.append(exc.message)
        else:
            from ..auth.views import begin_session
            begin_session(user)  # commits
            flash(_("Welcome! From now on sign in with your user name %(name)s and this PIN or password.",
                    name=user.username), "success")
            return redirect(url_for("main.home"), code=303)
    status = 400 if form.errors else 200
    return render_template("roster/card_use.html", form=form, card=card), status
