"""Stand-ins for the reader while a shared page is rendered (portal/cache/readers.py).

A page kept for every reader of one kind may show only what the kind is made of: the cache key.
While its template is rendered, the person (`current_user`, or a user object a view passed in)
and the acting context (`ctx`) are replaced by stand-ins that answer exactly what the key holds
(the sources' `keyed` names: language, display modes, platform admin, membership status and
roles) and raise `UnkeyedRead` on anything else. The name is a mark, spliced per reader. So a
template line such as `{% if current_user.password_changed_at %}` fails the render at once instead
of putting one resident's banner into everyone's copy. A reader's own page (its key holds the user
id) is rendered with the real objects.
"""
from __future__ import annotations

from flask import g


class UnkeyedRead(RuntimeError):
    """A shared page's template asked for something of the reader that its cache key does not
    hold. Not an AttributeError: Jinja would quietly turn that into an empty value."""


class StandIn:
    __slots__ = ("_real", "_allowed", "_replace", "_what")

    def __init__(self, real, allowed: frozenset[str], replace: dict, what: str):
        object.__setattr__(self, "_real", real)
        object.__setattr__(self, "_allowed", allowed)
        object.__setattr__(self, "_replace", replace)
        object.__setattr__(self, "_what", what)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)  # Python's and markupsafe's protocol probes (__html__, …)
        if name in self._replace:
            return self._replace[name]
        if name in self._allowed:
            return getattr(self._real, name)
        raise UnkeyedRead(f"{self._what}.{name} is read while a page shared between readers is rendered, "
                          f"but the page's cache key does not hold it (portal/cache/standin.py)")

    def __getitem__(self, name):
        raise UnkeyedRead(f"{self._what}[{name!r}] is read while a shared page is rendered")

    def __setattr__(self, name, value):
        raise UnkeyedRead(f"{self._what}.{name} is written while a shared page is rendered")


def stand_ins(user, ctx, keyed, name_mark: str) -> dict[int, StandIn]:
    """{id(real object): its stand-in} for the reader and their context."""
    out: dict[int, StandIn] = {}
    su = StandIn(user, keyed.user, {"display_name": name_mark}, "current_user")
    out[id(user)] = su
    if ctx is not None:
        membership = ctx.membership
        sm = None if membership is None else StandIn(membership, keyed.membership, {}, "ctx.membership")
        out[id(ctx)] = StandIn(ctx, keyed.ctx, {"user": su, "membership": sm}, "ctx")
        if membership is not None:
            out[id(membership)] = sm
    return out


def swap_context(context: dict, user, ctx, keyed, name_mark: str) -> None:
    """Replace the reader and their context in a template's context, wherever they stand."""
    table = stand_ins(user, ctx, keyed, name_mark)
    for k, v in list(context.items()):
        found = table.get(id(v))
        if found is not None:
            context[k] = found
    context["current_user"] = table[id(user)]


def before_render(sender, template, context, **extra):
    """Flask's before_render_template signal: while a shared page is rendered (and it is not the
    reader's own), the stand-ins take the reader's place."""
    if not g.get("reader_marks") or g.get("reader_own"):
        return
    from flask_login import current_user

    from .readers import NAME_MARK
    from .sources import sources_of

    swap_context(context, current_user._get_current_object(), g.get("ctx"), sources_of(sender).keyed, NAME_MARK)
