"""Sign-in throttling without locking the owner out (issue 19, finding 4): device cookies, the
client address behind a trusted proxy, and counters shared by two workers through Redis.

The Redis tests skip nothing: without a reachable Redis (TEST_REDIS_URL, else db 13 on
127.0.0.1) they fail, as CI has one."""
from __future__ import annotations

import os

import pytest
import redis

from portal import create_app
from portal.auth import devices
from portal.extensions import db

from .support.helpers import PASSWORD, Client, make_user

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def _post_login(c, login, password, addr=None):
    headers = {"X-Forwarded-For": addr} if addr else {}
    return c.post("/login", {"login": login, "password": password}, headers=headers)


def _device_cookie(c):
    cookie = c.http.get_cookie(devices.COOKIE)
    return cookie.value if cookie is not None else None


def test_sign_in_sets_a_device_cookie_that_names_the_account_unreadably(app):
    make_user("olga")
    c = Client(app)
    r = c.login("olga")
    header = next(h for h in r.headers.getlist("Set-Cookie") if h.startswith(devices.COOKIE + "="))
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Max-Age=" in header
    value = _device_cookie(c)
    assert "olga" not in value
    with app.test_request_context():
        assert devices.device_for(value, "olga") is not None
        assert devices.device_for(value, "pia") is None  # names this account only
        nonce = value.split(".")[0]
        assert devices.device_for(f"{nonce}.{'0' * 32}", "olga") is None  # no cookie without the key
    c.logout()
    c.login("olga")
    assert _device_cookie(c) == value  # the same device keeps its nonce


def _known_device(app, name):
    """A browser where `name` (a new user) signed in before, signed out now: it holds the device cookie."""
    make_user(name)
    c = Client(app)
    c.login(name)
    c.logout()
    return c


def test_attackers_failures_never_block_the_owner_on_a_known_device(app):
    owner = _known_device(app, "olga")
    attacker = Client(app)
    for _ in range(5):
        assert _post_login(attacker, "olga", "wrong-pass").status_code == 400
    r = _post_login(attacker, "olga", PASSWORD)
    assert r.status_code == 429  # an unknown browser waits, even with the right password
    page = r.get_data(as_text=True)
    assert "请等15分钟再试" in page  # "wait 15 minutes and try again"
    assert _post_login(owner, "olga", PASSWORD).status_code == 303  # the owner's known phone
    # A forged entry (another account's cookie, or a wrong mac) is an unknown browser.
    make_user("pia")
    other = Client(app)
    other.login("pia")
    assert _post_login(other, "olga", PASSWORD).status_code == 429


def test_a_known_device_that_collects_failures_gets_its_own_limit(app):
    """A stolen device cookie cannot guess without limit."""
    app.config["LOGIN_FAILURES_PER_DEVICE"] = "3 per 15 minutes"
    thief = _known_device(app, "olga")
    for _ in range(3):
        assert _post_login(thief, "olga", "wrong-pass").status_code == 400
    assert _post_login(thief, "olga", PASSWORD).status_code == 429
    assert _post_login(Client(app), "olga", PASSWORD).status_code == 303  # the untrusted bucket is untouched


def test_a_successful_sign_in_does_not_forgive_the_untrusted_bucket(app):
    owner = _known_device(app, "olga")
    attacker = Client(app)
    for _ in range(4):
        assert _post_login(attacker, "olga", "wrong-pass").status_code == 400
    owner.login("olga")
    assert _post_login(attacker, "olga", "wrong-pass").status_code == 400
    assert _post_login(attacker, "olga", "wrong-pass").status_code == 429  # 5 in all, not 4 + 5


@pytest.fixture
def shared_redis():
    """Redis db 13 (or TEST_REDIS_URL), emptied before and after. Unreachable: the test fails."""
    conn = redis.Redis.from_url(REDIS_URL)
    conn.ping()
    conn.flushdb()
    yield conn
    conn.flushdb()


@pytest.fixture
def workers(app, shared_redis):
    """Two apps on the same database and the same Redis, behind one trusted proxy: two gunicorn
    workers as production runs them."""
    settings = {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "UPLOAD_ROOT": app.config["UPLOAD_ROOT"], "RATELIMIT_STORAGE_URI": REDIS_URL,
                "TRUSTED_PROXIES": 1, "LOGIN_FAILURES_PER_ACCOUNT": "5 per 15 minutes",
                "LOGIN_FAILURES_PER_ADDRESS": "8 per 15 minutes"}
    pair = [create_app(settings), create_app(settings)]
    yield pair
    for other in pair:
        with other.app_context():
            db.engine.dispose()


def test_two_workers_share_the_counts_and_never_lock_the_owner_out(app, workers, shared_redis):
    one, two = workers
    make_user("olga")
    owner = Client(one)
    assert _post_login(owner, "olga", PASSWORD, "10.1.0.5").status_code == 303
    owner.logout()
    # The attacker alternates between the workers and changes address at every guess. Guesses
    # are limited to the configured rate across both: 5 wrong passwords are checked, every later
    # one is refused without trying, even the right password from an unknown browser.
    answers = [_post_login(Client(workers[i % 2]), "olga", "wrong-pass", f"203.0.113.{i + 1}").status_code
               for i in range(12)]
    assert answers == [400] * 5 + [429] * 7
    assert _post_login(Client(two), "olga", PASSWORD, "203.0.113.99").status_code == 429
    assert shared_redis.keys("*login-fail*olga*"), "the counters are not in Redis"
    # The owner's known phone, on the other worker: straight in.
    assert _post_login(owner, "olga", PASSWORD, "10.1.0.5").status_code == 303


def test_the_address_is_the_clients_behind_the_proxy(app, workers):
    one, two = workers
    make_user("pia")
    make_user("olga")
    owner = Client(two)
    assert _post_login(owner, "olga", PASSWORD, "198.51.100.9").status_code == 303
    owner.logout()
    # Eight failures from one client address, over both workers and eight accounts ...
    for i in range(8):
        assert _post_login(Client(workers[i % 2]), f"guess{i}", "wrong-pass", "198.51.100.9").status_code == 400
    assert _post_login(Client(one), "pia", PASSWORD, "198.51.100.9").status_code == 429
    # ... do not refuse another resident behind the same proxy (without ProxyFix both would
    # be 127.0.0.1), nor the owner's known device at the very same address.
    assert _post_login(Client(one), "pia", PASSWORD, "192.0.2.44").status_code == 303
    assert _post_login(owner, "olga", PASSWORD, "198.51.100.9").status_code == 303
