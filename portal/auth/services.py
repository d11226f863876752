"""Account use cases. No request or current_user in here: callers pass what is needed."""
from __future__ import annotations

import functools
import hashlib
import re
import secrets
import unicodedata
from datetime import timedelta

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, delete, insert, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..db import utcnow
from ..extensions import db
from ..web.errors import RuleViolation
from ..web.reads import commit_read
from .models import AuthSession, SecurityEvent, User

USERNAME_RE = re.compile(r"^[a-z][a-z0-9_.-]{2,31}$")
MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")
PASSWORD_MIN = 8
PASSWORD_MAX = 128
_DUMMY_HASHES: dict[str, str] = {}


def normalise_login(value: str) -> str:
    """The stored form of a user name or mobile number: full-width characters made plain (NFKC),
    a mobile number without spaces, dashes, brackets or the country code (+86, 0086), a name in
    lower case. Registration and sign-in look accounts up by it, so 138-0000-0001, +86 138 0000 0001
    and 13800000001 are one account."""
    value = unicodedata.normalize("NFKC", value or "").strip()
    compact = re.sub(r"[\s\-()（）]", "", value)
    for prefix in ("+86", "0086"):
        if compact.startswith(prefix) and MOBILE_RE.match(compact[len(prefix):]):
            compact = compact[len(prefix):]
    return compact if MOBILE_RE.match(compact) else value.lower()


def valid_login(value: str) -> bool:
    return bool(USERNAME_RE.match(value) or MOBILE_RE.match(value))


def _hash_method() -> str:
    """config PASSWORD_HASH_METHOD: werkzeug's scrypt at its default cost except in TestConfig."""
    return current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=_hash_method())


def _dummy_hash() -> str:
    """A hash made with the current method, so that an unknown login costs as much as a known one."""
    method = _hash_method()
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash("not-a-real-password-used-for-timing", method=method)
    return _DUMMY_HASHES[method]


def find_user(login: str) -> User | None:
    return db.session.execute(select(User).where(User.username == normalise_login(login))).scalar_one_or_none()


def register_user(username: str, display_name: str, password: str, locale: str | None = None) -> User:
    """An account made by the operator's tools (create-admin, the demo), which may say a name is taken."""
    username = normalise_login(username)
    if not valid_login(username):
        raise RuleViolation(_l("Choose a user name of 3 to 32 letters, digits, dots, dashes or underscores "
                               "starting with a letter, or an 11-digit mobile number."), field="username")
    if find_user(username) is not None:
        raise RuleViolation(_l("This user name or mobile number is already registered."), field="username")
    user = User(username=username, display_name=display_name.strip(), password_hash=hash_password(password),
                locale=locale)
    db.session.add(user)
    db.session.flush()
    log_security(kind="registered", user=user)
    return user


def request_registration(username: str, display_name: str, password: str, *, locale: str | None = None,
                         large: bool = False, contrast: bool = False, remote_addr: str | None = None) -> User | None:
    """Registration that does not tell whether an account exists (issue 19, finding 6): a name or
    mobile number already registered creates nothing and returns None after the same work (the
    password is hashed either way), and the caller shows the same outcome for both. Only the
    name's format can be refused. The refused attempt is kept as a security event without the
    name tried. Nobody is signed in: the person signs in with what they chose."""
    login = normalise_login(username)
    if not valid_login(login):
        raise RuleViolation(_l("Choose a user name of 3 to 32 letters, digits, dots, dashes or underscores "
                               "starting with a letter, or an 11-digit mobile number."), field="username")
    digest = hash_password(password)
    if find_user(login) is not None:
        log_security(kind="register_taken", remote_addr=remote_addr)
        return None
    user = User(username=login, display_name=display_name.strip(), password_hash=digest, locale=locale,
                display_large=large, display_contrast=contrast)
    db.session.add(user)
    db.session.flush()
    log_security(kind="registered", user=user, remote_addr=remote_addr)
    return user


def check_credentials(login: str, password: str) -> User | None:
    user = find_user(login)
    if user is None:
        check_password_hash(_dummy_hash(), password)  # same work either way: no user enumeration by timing
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User) -> str:
    """A fresh server-side session: the id in the cookie is new at every login."""
    token = secrets.token_urlsafe(32)
    db.session.add(AuthSession(token_hash=_token_hash(token), user_id=user.id))
    user.session_token = token
    return token


@functools.cache
def _session_user():
    return (select(AuthSession, User).join(User, User.id == AuthSession.user_id)
                     .where(AuthSession.token_hash == bindparam("token_hash")))


def load_session_user(token: str, idle_days: int) -> User | None:
    if not token or len(token) > 100:
        return None
    # Every signed-in request: the session row and its user in one statement, built once.
    found = db.session.execute(_session_user(), {"token_hash": _token_hash(token)}).first()
    if found is None:
        return None
    row, user = found
    now = utcnow()
    if now - row.last_seen_at > timedelta(days=idle_days):
        return None
    if now - row.last_seen_at > timedelta(hours=1):
        row.last_seen_at = now
        commit_read("session")
    user.session_token = token
    return user


def end_session(token: str | None) -> None:
    if token:
        db.session.execute(delete(AuthSession).where(AuthSession.token_hash == _token_hash(token)))


def change_password(user: User, current: str, new: str, remote_addr: str | None = None) -> str:
    """Change the password, end every session of the user, return a fresh token."""
    if not check_password_hash(user.password_hash, current):
        raise RuleViolation(_l("The current password is not correct."), field="current")
    if current == new:
        raise RuleViolation(_l("The new password must be different from the current one."), field="new")
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    db.session.execute(delete(AuthSession).where(AuthSession.user_id == user.id))
    log_security(kind="password_changed", user=user, remote_addr=remote_addr)
    return start_session(user)


def update_profile(user: User, display_name: str, locale: str | None, large: bool, contrast: bool,
                   easy: bool = False) -> None:
    user.display_name = display_name.strip()
    user.locale = locale or None
    user.display_large = large
    user.display_contrast = contrast
    user.display_easy = easy


def log_security(kind: str, user: User | None = None, login: str | None = None,
                 remote_addr: str | None = None) -> None:
    db.session.add(SecurityEvent(kind=kind, user_id=user.id if user else None,
                                 login_attempted=(login or "")[:32] or None,
                                 remote_addr=(remote_addr or "")[:45] or None))


def record_security_event(kind: str, login: str | None = None, remote_addr: str | None = None) -> None:
    """A refused sign-in (wrong password, throttled), written in a transaction of its own: the
    form's transaction is rolled back (portal/web/actions.py), the record of the attempt must stay."""
    with db.engine.begin() as conn:
        conn.execute(insert(SecurityEvent).values(kind=kind, user_id=None, login_attempted=(login or "")[:32] or None,
                                                  remote_addr=(remote_addr or "")[:45] or None))
