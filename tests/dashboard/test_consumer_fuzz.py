"""Property-based: whatever a client sends, it gets a well-formed answer and the socket lives on.

Hypothesis drives the real application (origin check, sessions, routing, consumer,
hub) through Channels' WebsocketCommunicator. After every generated frame the test
sends a sentinel ``ping``; everything between is that frame's answer, so each answer
is checked on its own: at least one frame, known types, one ``error`` with a known
code (never ``internal_error``) or one ack, the request's ``id`` echoed exactly when
it had a valid one, no stack trace and no feed URL. A witness socket subscribed
throughout must still get updates and pongs at the end.
"""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.protocol import ACTIONS, ERROR_CODES, MAX_ID_CHARS, MAX_ID_INT, MAX_JSON_DEPTH, json_depth
from feeds.publish import updates_publish
from tests.dashboard.conftest import Socket, commit

TYPES = {"subscribed", "unsubscribed", "subscriptions", "pong", "error", "snapshot", "status", "update"}
VISIBLE = {"AAPL", "MSFT", "IDLE"}  # to an anonymous viewer
MAX_FRAME = 4096

json_leaf = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=20)
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=25,
)
symbol = st.sampled_from(
    [
        "AAPL",
        "aapl",
        " msft ",
        "MsFt",
        "GOLD",
        "VIPX",
        "IDLE",
        "NOPE",
        "",
        " ",
        "A" * 41,
        "ÄAPL",
        "ﬁ",
        "A\x00",
        "../",
    ]
) | st.text(max_size=45)
request_id = st.none() | st.integers(-(2**60), 2**60) | st.text(max_size=MAX_ID_CHARS + 16) | json_leaf
request = st.fixed_dictionaries(
    {"action": st.sampled_from([*ACTIONS, "Subscribe", "", "nope"]) | json_leaf},
    optional={
        "id": request_id,
        "symbols": st.lists(symbol, max_size=8) | json_value,
        "since": st.dictionaries(symbol, st.integers(-5, 2**64) | json_leaf, max_size=4) | json_value,
        "extra": json_value,
    },
)
text_frame = st.one_of(
    request.map(json.dumps),
    st.builds(json.dumps, request, ensure_ascii=st.booleans()),
    json_value.map(json.dumps),
    st.text(alphabet=st.characters(blacklist_categories=()), min_size=1, max_size=200),  # lone surrogates too
    st.integers(1, 2000).map(lambda d: "[" * d + "]" * d),
    st.integers(1, 2000).map(lambda d: '{"action":"ping","id":7,"x":' + "[" * d + "]" * d + "}"),
    st.integers(MAX_FRAME - 40, MAX_FRAME + 4000).map(
        lambda n: '{"action":"ping","id":1,"p":"' + "x" * n + '"}'
    ),
    st.integers(150, 1200).map(
        lambda n: json.dumps({"action": "subscribe", "id": n, "symbols": ["AAPL"] * n})
    ),
)
frame = text_frame | st.binary(min_size=1, max_size=300)


def expected_id(sent: str | bytes) -> int | str | None:
    """The id the answer must echo: that of a JSON object within the size limit, if valid."""
    if isinstance(sent, bytes) or len(sent.encode("utf-8", "surrogatepass")) > MAX_FRAME:
        return None
    if json_depth(sent) > MAX_JSON_DEPTH:
        return None
    try:
        obj = json.loads(sent)
    except Exception:
        return None
    rid = obj.get("id") if isinstance(obj, dict) else None
    if isinstance(rid, int) and not isinstance(rid, bool) and abs(rid) < MAX_ID_INT:
        return rid
    return rid if isinstance(rid, str) and len(rid) <= MAX_ID_CHARS else None


def check_answer(sent: str | bytes, answer: list[dict]) -> None:
    assert answer, f"no answer to {sent!r:.200}"
    assert all(f.get("type") in TYPES for f in answer), answer
    first = answer[0]
    assert first.get("id", None) == expected_id(sent), (sent, first)
    if first["type"] == "error":
        assert len(answer) == 1, answer
        assert first["code"] in ERROR_CODES and first["code"] not in ("internal_error", "unavailable"), first
        assert isinstance(first["message"], str) and first["message"]
        assert "Traceback" not in first["message"] and "127.0.0.1:9" not in first["message"]
    else:
        assert first["type"] in ("subscribed", "unsubscribed", "subscriptions", "pong"), answer
        if first["type"] != "pong":
            assert set(first["subscriptions"]) <= VISIBLE, first
        if first["type"] == "subscribed":
            assert {f["symbol"] for f in answer[1:]} == set(first["symbols"]) <= VISIBLE, answer
            assert all(f["type"] in ("snapshot", "status") for f in answer[1:]), answer


async def drive(frames: list[str | bytes]) -> None:
    ws = await Socket.open()
    token = uuid.uuid4().hex
    try:
        for k, sent in enumerate(frames):
            if isinstance(sent, bytes):
                await ws.send_bytes(sent)
            else:
                await ws.send_text(sent)
            sentinel = f"{token}-{k}"
            await ws.send(action="ping", id=sentinel)
            _, answer = await ws.recv_until(lambda f, s=sentinel: f.get("id") == s and f["type"] == "pong")
            check_answer(sent, [f for f in answer if f["type"] != "heartbeat"])
        held = (await ws.request(action="list", id=token))["subscriptions"]
        assert set(held) <= VISIBLE
    finally:
        await ws.close()


class LoopWithWitness:
    """One event loop for all examples (one hub, one catalog), and a witness socket on it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.witness: Socket = self.run(Socket.open(client=("10.1.1.1", 1)))
        self.run(self.witness.request(action="subscribe", symbols=["AAPL"]))
        self.run(self.witness.recv())

    def run(self, coro):
        return self.loop.run_until_complete(coro)


@pytest.fixture
def witness_loop(feeds):
    env = LoopWithWitness()
    yield env

    async def witness_still_served() -> None:
        from dashboard.connections import stop_registry
        from dashboard.hub import stop_hub

        await updates_publish(commit({"AAPL": 4242.0}))
        update, _ = await env.witness.recv_until(lambda f: f.get("price") == 4242.0)
        assert update["type"] == "update"
        assert await env.witness.request(action="ping", id="w") == {"type": "pong", "id": "w"}
        await env.witness.close()
        await stop_registry()
        await stop_hub()
        await sync_to_async(connections.close_all)()

    env.run(witness_still_served())
    env.loop.close()


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(frames=st.lists(frame, min_size=1, max_size=9))
def test_any_frames_get_well_formed_answers_and_the_socket_and_its_neighbours_live_on(witness_loop, frames):
    witness_loop.run(drive(frames))
