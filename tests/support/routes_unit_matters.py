"""Matters of the units above the community: matters brought to a state through the services, and
the permission rows of every /u/<slug>/matters route (added to ROUTES in tests/test_permissions.py)."""
from __future__ import annotations


def make_matter(w, state: str = "dispatched", title: str = "路灯坏了", commit: bool = True):
    """A matter reported by resa in dorf-a, brought to `state`:
    dispatched   coma sent it to dept-a             handling    … and depa accepted it
    extension    … and depa asked for 24 h more     at-street   coma sent it to jie-a, stra accepted it
    street-sent  … and stra sent it on to dept-a     street-ext  … depa accepted and asked for more time
    resolved     depa resolved it                   closed      … resa confirmed it"""
    from portal.extensions import db
    from portal.matters import services as ms

    street, dept = w.unit("jie-a"), w.unit("dept-a")
    category = ms.categories(street)[0]
    m = ms.report(w.a, category_id=category.id, title=title, description="村口第三根路灯不亮。", place="村口",
                  actor=w["resa"])
    if state in ("at-street", "street-sent", "street-ext"):
        ms.dispatch(w.a, m, street, actor=w["coma"])
        ms.accept(street, m, actor=w["stra"])
        if state != "at-street":
            ms.dispatch(street, m, dept, actor=w["stra"])
        if state == "street-ext":
            ms.accept(dept, m, actor=w["depa"])
            ms.ask_extension(dept, m, 24, "需要采购零件", actor=w["depa"])
    elif state != "reported":
        ms.dispatch(w.a, m, dept, actor=w["coma"])
        if state in ("handling", "extension", "resolved", "closed"):
            ms.accept(dept, m, actor=w["depa"])
        if state == "extension":
            ms.ask_extension(dept, m, 24, "需要采购零件", actor=w["depa"])
        if state in ("resolved", "closed"):
            ms.resolve(dept, m, "换了灯泡。", actor=w["depa"])
        if state == "closed":
            ms.confirm(w.a, m, True, actor=w["resa"])
    if commit:
        db.session.commit()
    return m


def _matter(slug, state, suffix=""):
    return lambda w: f"/u/{slug}/matters/{make_matter(w, state).id}{suffix}"


def unit_matters_routes(Route, expect, only, DONE, LOGIN):
    def staff(name, ok, outsider=403):
        """`ok` for the unit's staff `name`, LOGIN for visitors, 403 for everyone else."""
        return only([name], ok)

    def dept_id(w, r):
        return {"to_unit": str(w.unit("dept-a").id), "deadline_hours": "48", "dispatch_note": "请处理"}

    return [
        Route("/u/<slug:slug>/matters/", "GET", lambda w: "/u/dept-a/matters/", staff("depa", 200)),
        Route("/u/<slug:slug>/matters/ledger", "GET", lambda w: "/u/jie-a/matters/ledger", expect(200)),
        Route("/u/<slug:slug>/matters/overdue", "GET", lambda w: "/u/qu-a/matters/overdue", expect(200)),
        Route("/u/<slug:slug>/matters/figures", "GET", lambda w: "/u/jie-a/matters/figures", expect(200)),
        Route("/u/<slug:slug>/matters/<id:matter_id>", "GET", _matter("dept-a", "dispatched"), staff("depa", 200)),
        Route("/u/<slug:slug>/matters/<id:matter_id>/accept", "POST", _matter("dept-a", "dispatched", "/accept"),
              staff("depa", DONE)),
        Route("/u/<slug:slug>/matters/<id:matter_id>/return", "GET", _matter("dept-a", "dispatched", "/return"),
              staff("depa", 200)),
        Route("/u/<slug:slug>/matters/<id:matter_id>/return", "POST", _matter("dept-a", "dispatched", "/return"),
              staff("depa", DONE), lambda w, r: {"reason": "不归我们管"}),
        Route("/u/<slug:slug>/matters/<id:matter_id>/note", "POST", _matter("dept-a", "handling", "/note"),
              staff("depa", DONE), lambda w, r: {"text": "已派人查看"}),
        Route("/u/<slug:slug>/matters/<id:matter_id>/extension", "POST", _matter("dept-a", "handling", "/extension"),
              staff("depa", DONE), lambda w, r: {"hours": "24", "reason": "等零件"}),
        Route("/u/<slug:slug>/matters/<id:matter_id>/extension/decide", "POST",
              _matter("jie-a", "street-ext", "/extension/decide"), staff("stra", DONE),
              lambda w, r: {"decision": "grant"}),
        Route("/u/<slug:slug>/matters/<id:matter_id>/resolve", "POST", _matter("dept-a", "handling", "/resolve"),
              staff("depa", DONE), lambda w, r: {"outcome": "换了灯泡"}),
        Route("/u/<slug:slug>/matters/<id:matter_id>/dispatch", "POST", _matter("jie-a", "at-street", "/dispatch"),
              staff("stra", DONE), dept_id),
        Route("/u/<slug:slug>/matters/<id:matter_id>/recall", "GET", _matter("jie-a", "street-sent", "/recall"),
              staff("stra", 200)),
        Route("/u/<slug:slug>/matters/<id:matter_id>/recall", "POST", _matter("jie-a", "street-sent", "/recall"),
              staff("stra", DONE)),
        Route("/u/<slug:slug>/matters/<id:matter_id>/urge", "POST", _matter("jie-a", "dispatched", "/urge"),
              staff("stra", DONE), lambda w, r: {"urge_note": "请三天内修好"}),
    ]
