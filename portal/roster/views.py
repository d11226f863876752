"""Roster pages (committee): import with a preview, households, login cards; and the page
a resident reaches from the QR code of their card. Thin views on the action wrapper
(portal/web/actions.py), which owns the transaction."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from ..auth.blueprint import begin_session
from ..communities.views import members_page
from ..extensions import limiter
from ..web.actions import Done, act, show_problems
from ..web.errors import PortalError
from ..web.forms import ButtonForm
from ..web.links import public_url
from ..web.permissions import require
from ..web.qr import qr_svg
from . import csvfile, queries, services
from . import permissions as perm
from .blueprint import bp, cards, load_household, load_member
from .forms import CardSecretForm, ConfirmForm, RepresentativeForm, UploadForm

HOUSEHOLDS_PER_PAGE = 50
PRINTED = "printed_card"  # session key: the card just issued, shown once by the GET after the POST


@bp.get("/")
def index():
    require(perm.can_manage_roster(g.ctx))
    return render_template("roster/index.html", form=UploadForm())


def preview_page(form, text: str, file_errors: list, confirm=None):
    """The preview of a file: what importing it would do, line by line, and the form that
    imports it (the one sent, after a mistake in it)."""
    rows, errors = csvfile.parse(text) if not file_errors else ([], file_errors)
    plan = services.plan_import(g.community, rows)
    bad = bool(errors) or any(p.status == "error" for p in plan)
    if confirm is None and not bad and plan:
        confirm = ConfirmForm(formdata=None, roster_text=text)
    counts = {s: sum(p.status == s for p in plan) for s in ("new", "existing", "error")}
    if bad:  # the error summary: what is wrong with the file, then a link to each line with an error
        show_problems(messages=list(errors) + [
            (f"line-{p.row.line}", _("Line %(line)d: %(errors)s", line=p.row.line, errors=" ".join(str(e) for e in p.row.errors)))
            for p in plan if p.status == "error"])
    return render_template("roster/preview.html", form=form, plan=plan, errors=errors, counts=counts,
                           confirm=confirm if not bad else None), (400 if bad else 200)


@bp.post("/preview")
def preview():
    """Writes nothing: it only reads the file and shows what importing it would do."""
    require(perm.can_manage_roster(g.ctx))
    form = UploadForm()
    if not form.validate_on_submit():
        show_problems(form)
        return render_template("roster/index.html", form=form), 400
    data = form.roster.data.read(csvfile.MAX_BYTES + 1)
    if len(data) > csvfile.MAX_BYTES:
        return preview_page(form, "", [_("The file is larger than %(kb)d KB.", kb=csvfile.MAX_BYTES // 1024)])
    try:
        text = csvfile.decode(data)
    except ValueError:
        return preview_page(form, "", [_("The file is not text in UTF-8 or GBK. Save it as CSV and try again.")])
    return preview_page(form, text, [])


@bp.post("/import")
def confirm_import():
    require(perm.can_manage_roster(g.ctx))
    form = ConfirmForm()

    def run():
        rows, errors = csvfile.parse(form.roster_text.data)
        if errors or any(r.errors for r in rows):  # the preview never offers to confirm such a file
            raise PortalError(_("Some lines have errors: correct the file and upload it again. Nothing was imported."))
        counts = services.import_roster(g.community, rows, actor=g.ctx.user)
        return Done(url_for("roster.households"),
                    _("Imported: %(added)d new residents; %(existing)d were already on the roster.", **counts))

    def page():
        text = form.roster_text.data or "" if not form.roster_text.errors else ""
        return preview_page(UploadForm(formdata=None), text, [], confirm=form)

    return act(form, run, page, once=True)


@bp.get("/households")
def households():
    require(perm.can_manage_roster(g.ctx))
    return households_page()


def households_page(sent=None):
    """The households, a page at a time; `sent`: (household id, its form as it was sent)."""
    page = request.args.get("page", "1")
    page = int(page) if page.isascii() and page.isdigit() and len(page) < 6 else 1
    total = queries.household_count(g.community)
    pages = max(1, -(-total // HOUSEHOLDS_PER_PAGE))
    page = min(max(page, 1), pages)
    items = queries.households_page(g.community, (page - 1) * HOUSEHOLDS_PER_PAGE, HOUSEHOLDS_PER_PAGE)
    by_household = queries.members_by_household(g.community, items)
    forms = {}
    for h in items:
        f = RepresentativeForm(formdata=None, prefix=f"h{h.id}", membership_id=h.representative_id)
        f.membership_id.choices = [(m.id, m.user.display_name) for m in by_household.get(h.id, [])]
        forms[h.id] = f
    if sent is not None and sent[0] in forms:
        forms[sent[0]] = sent[1]
    return render_template("roster/households.html", items=items, members=by_household, forms=forms,
                           page=page, pages=pages, total=total)


@bp.post("/households/<id:household_id>/representative")
def representative(household_id):
    require(perm.can_manage_roster(g.ctx))
    household = load_household(household_id)
    form = RepresentativeForm(prefix=f"h{household.id}")
    choices = [(m.id, m.user.display_name) for m in queries.members_by_household(g.community, [household])
               .get(household.id, [])]
    raw = request.form.get(f"h{household.id}-membership_id", "")
    chosen = load_member(int(raw)) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
    if chosen is not None and chosen.id not in {c for c, _n in choices}:
        choices.append((chosen.id, chosen.user.display_name))  # the service says why it cannot be
    form.membership_id.choices = choices

    def run():
        services.set_representative(g.community, household, chosen, actor=g.ctx.user)
        return Done(url_for("roster.households"), _("The representative of %(name)s is now %(person)s.",
                                                    name=household.name, person=chosen.user.display_name))

    return act(form, run, lambda: households_page(sent=(household.id, form)))


@bp.route("/cards/<id:member_id>", methods=["GET", "POST"])
def issue_card(member_id):
    """POST prints a new card; the GET after it shows the card, once: only the token's hash is
    kept, so this is the one moment the link exists in the clear (it waits in the committee
    member's session between the two). Printing again makes a new card."""
    membership = load_member(member_id)
    require(perm.can_issue_card(g.ctx, membership))
    if request.method == "GET":
        return _printed_card(membership)

    def run():
        card, token = services.issue_card(g.community, membership, actor=g.ctx.user)
        session[PRINTED] = {"card": card.id, "member": membership.id, "token": token}
        return Done(url_for("roster.issue_card", member_id=membership.id))

    return act(ButtonForm(), run, members_page)


def _printed_card(membership):
    printed = session.pop(PRINTED, None)
    if not printed or printed.get("member") != membership.id:
        flash(_("A login card is shown only once, when it is printed. Print a new one if it was lost."), "info")
        return redirect(url_for("communities.members"), code=303)
    card = queries.login_card(g.community, printed["card"])
    link = public_url("cards.use", token=printed["token"])
    qr = qr_svg(link)
    return render_template("roster/card.html", card=card, member=membership, link=link, qr=qr)


@cards.route("/card/<token>", methods=["GET", "POST"])
@limiter.limit("20 per minute;100 per hour")
def use(token):
    card = services.card_for(token)
    problem = services.card_problem(card)
    if problem is not None:
        return render_template("roster/card_problem.html", problem=problem), 410 if card else 404
    form = CardSecretForm()

    def run():
        user = services.redeem_card(card, form.secret.data, request.remote_addr)
        begin_session(user)
        return Done(url_for("main.home"), _("Welcome! From now on sign in with your user name %(name)s and this PIN "
                                            "or password.", name=user.username))

    return act(form, run, lambda: render_template("roster/card_use.html", form=form, card=card))
