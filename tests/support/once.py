"""Sending one rendered form many times at once (PostgreSQL): the concurrency half of
"one effect per submitted form" (docs/architecture.md, "One effect per submitted form")."""
from __future__ import annotations

import secrets

from .helpers import Client, run_threads

N = 8  # sends at once (conftest's app2 has a pool for them)


def send_at_once(app2, username, url, data, token_from):
    """N sends of one rendered form (one token) at once; their answers."""
    clients = []
    for _ in range(N):
        c = Client(app2)
        c.login(username)
        clients.append(c)
    form = dict(data, submit_token=secrets.token_urlsafe(24))
    tokens = [c.token(token_from) for c in clients]
    answers = [None] * N

    def send(i):
        def run():
            answers[i] = clients[i].post(url, dict(form, csrf_token=tokens[i]))
        return run

    run_threads([send(i) for i in range(N)], together=True, what="a send")
    return answers


def landed_on_one_place(answers):
    assert all(a.status_code == 303 for a in answers), [a.status_code for a in answers]
    assert len({a.headers["Location"] for a in answers}) == 1, {a.headers["Location"] for a in answers}
