"""Sockets without a session skip the auth stack; sockets with one get their user as before."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.test import Client

from dashboard.socket_auth import has_session_cookie, session_auth


def scope_with(*headers: tuple[bytes, bytes]) -> dict:
    return {"type": "websocket", "path": "/ws/ticker/", "headers": [(b"host", b"127.0.0.1"), *headers]}


def test_only_the_session_cookie_counts():
    assert has_session_cookie(scope_with((b"cookie", b"a=1; sessionid=abc")))
    assert not has_session_cookie(scope_with((b"cookie", b"csrftoken=abc")))
    assert not has_session_cookie(scope_with())


async def test_a_socket_without_a_session_cookie_is_anonymous_without_the_auth_stack():
    seen: dict = {}

    async def inner(scope, receive, send):
        seen.update(scope)

    await session_auth(inner)(scope_with((b"cookie", b"csrftoken=abc")), None, None)
    assert seen["user"].is_authenticated is False
    assert "session" not in seen  # the stack (and its database thread hop) was skipped


@pytest.mark.django_db(transaction=True)
async def test_a_socket_with_a_session_cookie_gets_its_signed_in_user():
    def login() -> str:
        User.objects.create_user("ann", password="pw")
        client = Client()
        assert client.login(username="ann", password="pw")
        return client.cookies["sessionid"].value

    session = await sync_to_async(login)()
    seen: dict = {}

    async def inner(scope, receive, send):
        seen.update(scope)

    await session_auth(inner)(scope_with((b"cookie", f"sessionid={session}".encode())), None, None)
    assert seen["user"].is_authenticated and seen["user"].username == "ann"
