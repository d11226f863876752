"""Permission rows of the community's matter pages (portal/matters/views.py), added to the matrix
in tests/test_permissions.py. A matter's page is for the community's verified members, its
reporter, and the staff of its street and district (read only); a department sees only what was
sent to it (tests/test_matters_views.py); everyone else 404. The ledger is public."""
from __future__ import annotations

# The matrix's own helpers (Route, expect, only, DONE, LOGIN) are handed in by tests/test_permissions.py
# (a support module imports no test module): matters_routes(...) below.
Route = expect = only = DONE = LOGIN = None

VERIFIED = ["resa", "meda", "coma"]
VIEWERS = {"resa": 200, "meda": 200, "coma": 200, "stra": 200, "disa": 200}


def _category(w):
    from portal.levels import queries as levels
    from portal.matters import services as ms

    from portal.extensions import db

    street, _ = levels.street_and_district(w.a)
    cid = next(c.id for c in ms.categories(street) if c.key == "roads")
    db.session.commit()  # the street's default categories, made on first use
    return cid


def _matter(state="triage", title="Broken lamp"):
    """resa's matter of dorf-a, brought to `state` by the committee."""
    def make(w):
        from portal.extensions import db
        from portal.matters import services as ms

        m = ms.report(w.a, category_id=_category(w), title=title, actor=w["resa"])
        if state == "more_info":
            ms.ask_more(w.a, m, "Where exactly?", actor=w["coma"])
        if state in ("handling", "resolved", "closed", "unsatisfied"):
            ms.handle(w.a, m, actor=w["coma"])
        if state in ("resolved", "closed", "unsatisfied"):
            ms.resolve(w.a, m, "New bulb.", actor=w["coma"])
        if state in ("closed", "unsatisfied"):
            ms.confirm(w.a, m, True, actor=w["resa"])
        if state == "unsatisfied":
            ms.rate(w.a, m, "unsatisfied", actor=w["resa"])
        db.session.commit()
        return m.id
    return make


def _m(suffix="", state="triage", before=None):
    make = _matter(state)

    def path(w):
        if before is not None:
            before(w)
        return f"/c/dorf-a/matters/{make(w)}{suffix}"
    return path


def _viewers(ok_roles, ok):
    """404 for whoever may not see the matter, 403 for a viewer without the right, `ok` for ok_roles."""
    table = expect(404, visitor=LOGIN, **{r: 403 for r in VIEWERS})
    for r in ok_roles:
        table[r] = ok
    return table


def _report_form(w, r):
    return {"category": str(_category(w)), "title": "Pothole", "description": "Deep."}


def _fixed(url):
    return lambda w: url


R = "/c/<slug:slug>/matters/<id:matter_id>"

def matters_routes(route, expect_, only_, done, login):
    """The rows, built with the matrix's helpers."""
    global Route, expect, only, DONE, LOGIN
    Route, expect, only, DONE, LOGIN = route, expect_, only_, done, login
    return [
        Route("/c/<slug:slug>/matters/", "GET", _fixed("/c/dorf-a/matters/"), expect(200)),
        Route("/c/<slug:slug>/matters/mine", "GET", _fixed("/c/dorf-a/matters/mine"), only(VERIFIED, 200)),
        Route("/c/<slug:slug>/matters/new", "GET", _fixed("/c/dorf-a/matters/new"), only(VERIFIED, 200)),
        Route("/c/<slug:slug>/matters/new", "POST", _fixed("/c/dorf-a/matters/new"), only(VERIFIED, DONE), _report_form),
        Route(R, "GET", _m(), expect(404, visitor=LOGIN, **VIEWERS)),
        Route(R + "/handle", "POST", _m("/handle"), _viewers(["coma"], DONE), lambda w, r: {"note": "We go."}),
        Route(R + "/ask", "POST", _m("/ask"), _viewers(["coma"], DONE), lambda w, r: {"question": "Where?"}),
        Route(R + "/dispatch", "POST", _m("/dispatch"), _viewers(["coma"], DONE),
              lambda w, r: {"to_unit": str(w.unit("dept-a").id), "note": "Please."}),
        Route(R + "/resolve", "POST", _m("/resolve", "handling"), _viewers(["coma"], DONE),
              lambda w, r: {"outcome": "Fixed."}),
        Route(R + "/refuse", "GET", _m("/refuse"), _viewers(["coma"], 200)),
        Route(R + "/refuse", "POST", _m("/refuse"), _viewers(["coma"], DONE), lambda w, r: {"reason": "Private land."}),
        Route(R + "/merge", "GET", _m("/merge"), _viewers(["coma"], 200)),
        Route(R + "/merge", "POST", _m("/merge", before=_matter("triage", "First")), _viewers(["coma"], DONE),
              lambda w, r: {"into": "1"}),
        Route(R + "/answer", "POST", _m("/answer", "more_info"), _viewers(["resa"], DONE),
              lambda w, r: {"answer": "At the bridge."}),
        Route(R + "/confirm", "POST", _m("/confirm", "resolved"), _viewers(["resa"], DONE), lambda w, r: {"fixed": "yes"}),
        Route(R + "/rate", "POST", _m("/rate", "closed"), _viewers(["resa"], DONE), lambda w, r: {"rating": "fair"}),
        Route(R + "/reopen", "POST", _m("/reopen", "unsatisfied"), _viewers(["resa"], DONE),
              lambda w, r: {"reason": "Still dark."}),
    ]
