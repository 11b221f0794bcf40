"""The consumer through the real application (origin check, sessions, routing), in-process."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.test import override_settings

from dashboard.connections import get_registry
from feeds.publish import status_publish, updates_publish
from tests.conftest import session_cookie
from tests.dashboard.conftest import Closed, Socket, commit, update_feed


async def test_subscribe_folds_case_and_duplicates_and_every_ack_carries_the_whole_set(app):
    ws = await Socket.open()
    ack = await ws.request(action="subscribe", symbols=["aapl", " AAPL ", "Msft"], id=1)
    assert ack == {
        "type": "subscribed",
        "id": 1,
        "symbols": ["AAPL", "MSFT"],
        "subscriptions": ["AAPL", "MSFT"],
    }
    snaps = [await ws.recv(), await ws.recv()]
    assert {(f["type"], f["symbol"], f["state"]) for f in snaps} == {
        ("snapshot", "AAPL", "live"),
        ("snapshot", "MSFT", "live"),
    }
    assert await ws.request(action="list", id="l") == {
        "type": "subscriptions",
        "id": "l",
        "subscriptions": ["AAPL", "MSFT"],
    }
    assert await ws.request(action="unsubscribe", symbols=["msft", "IDLE"], id=2) == {
        "type": "unsubscribed",
        "id": 2,
        "symbols": ["MSFT", "IDLE"],
        "subscriptions": ["AAPL"],
    }
    assert await ws.request(action="ping", id=3) == {"type": "pong", "id": 3}
    assert await ws.request(action="ping") == {"type": "pong"}
    await ws.close()


async def test_symbol_without_a_value_gets_a_status_frame_instead_of_a_snapshot(app):
    ws = await Socket.open()
    await ws.request(action="subscribe", symbols=["IDLE"])
    assert await ws.recv() == {"type": "status", "symbol": "IDLE", "state": "live"}
    await ws.close()


async def test_updates_follow_the_snapshot_in_seq_order_and_stop_after_unsubscribe(app):
    ws = await Socket.open()
    await ws.request(action="subscribe", symbols=["AAPL"])
    snap = await ws.recv()
    for price in (101.0, 102.0):
        await updates_publish(commit({"AAPL": price}))
        update = await ws.recv()
        assert update["type"] == "update" and update["price"] == price and update["seq"] > snap["seq"]
        snap = update
    await ws.request(action="unsubscribe", symbols=["AAPL"])
    await updates_publish(commit({"AAPL": 103.0}))
    assert await ws.drain(0.3) == []
    await ws.close()


async def test_resubscribe_since_sends_snapshots_only_for_symbols_that_moved_on(app):
    ws = await Socket.open()
    await ws.request(action="subscribe", symbols=["AAPL", "MSFT"])
    seqs = {f["symbol"]: f["seq"] for f in [await ws.recv(), await ws.recv()]}
    await ws.close()
    await updates_publish(commit({"AAPL": 150.0}))  # AAPL moves on while the client is away; MSFT does not

    ws = await Socket.open()
    ack = await ws.request(action="subscribe", since={"aapl": seqs["AAPL"], "MSFT": seqs["MSFT"]}, id=9)
    assert ack["symbols"] == ["AAPL", "MSFT"] and ack["subscriptions"] == ["AAPL", "MSFT"]
    frames = await ws.drain()
    assert [(f["type"], f["symbol"]) for f in frames] == [("snapshot", "AAPL"), ("status", "MSFT")]
    assert frames[0]["price"] == 150.0 and frames[0]["seq"] == seqs["AAPL"] + 1
    assert frames[1]["state"] == "live"
    await ws.close()


async def test_a_subscribe_that_breaks_a_rule_changes_nothing_and_says_so(app):
    ws = await Socket.open()
    await ws.request(action="subscribe", symbols=["AAPL"])
    await ws.recv()
    err = await ws.request(action="subscribe", symbols=["MSFT", "NOPE", "ZZZ"], id=4)
    assert err["type"] == "error" and err["code"] == "unknown_symbol" and err["id"] == 4
    assert err["symbols"] == ["NOPE", "ZZZ"] and err["subscriptions"] == ["AAPL"]
    with override_settings(TICKER_MAX_SUBSCRIPTIONS=2):
        err = await ws.request(action="subscribe", symbols=["MSFT", "IDLE"], id=5)
        assert err["code"] == "too_many_symbols" and err["subscriptions"] == ["AAPL"]
        err = await ws.request(action="subscribe", symbols=["A", "B", "C"], id=6)
        assert err["code"] == "too_many_symbols" and err["id"] == 6
    assert (await ws.request(action="list"))["subscriptions"] == ["AAPL"]
    await ws.close()


async def test_a_new_subscriber_sees_a_stale_feed_in_its_snapshot_without_any_status_message(app):
    await update_feed("pub", consecutive_failures=2)
    ws = await Socket.open()
    await ws.request(action="subscribe", symbols=["AAPL", "IDLE"])
    assert [(f["type"], f["symbol"], f["state"]) for f in await ws.drain()] == [
        ("snapshot", "AAPL", "stale"),
        ("status", "IDLE", "stale"),
    ]
    await ws.close()


async def test_feed_going_stale_and_live_is_pushed_to_subscribers(app):
    ws = await Socket.open()
    await ws.request(action="subscribe", symbols=["AAPL"])
    await ws.recv()
    await update_feed("pub", consecutive_failures=2)
    await status_publish(["AAPL", "MSFT"], "stale")
    assert await ws.recv() == {"type": "status", "symbol": "AAPL", "state": "stale"}

    late = await Socket.open()  # this process knows from the message, whatever its catalog says
    await late.request(action="subscribe", symbols=["AAPL"])
    assert (await late.recv())["state"] == "stale"

    await update_feed("pub", consecutive_failures=0)
    await updates_publish(commit({"AAPL": 120.0}))
    await status_publish(["AAPL", "MSFT"], "live")
    frames = await ws.drain()  # the new value proves the feed live: said once, before the value
    assert [(f["type"], f.get("state"), f.get("price")) for f in frames] == [
        ("status", "live", None),
        ("update", None, 120.0),
    ]
    await ws.close()
    await late.close()


async def test_a_missed_status_message_is_corrected_from_the_catalog(app):
    ws = await Socket.open()
    await ws.request(action="subscribe", symbols=["MSFT"])
    await ws.recv()
    await update_feed("pub", consecutive_failures=3)
    registry = await get_registry()
    await registry.hub.catalog.entries(max_age=0)
    await registry.recheck()
    assert await ws.recv() == {"type": "status", "symbol": "MSFT", "state": "stale"}
    await ws.close()


async def test_visibility_forbidden_symbols_are_refused_and_never_listed(app):
    user = await sync_to_async(User.objects.create_user)("ann", password="pw")
    anon = await Socket.open()
    err = await anon.request(action="subscribe", symbols=["AAPL", "GOLD"], id=1)
    assert err["code"] == "forbidden" and err["symbols"] == ["GOLD"] and err["subscriptions"] == []
    assert "http" not in err["message"]

    member = await Socket.open(cookie=await sync_to_async(session_cookie)(user))
    assert (await member.request(action="subscribe", symbols=["GOLD"]))["type"] == "subscribed"
    assert (await member.recv())["price"] == 1900.0
    err = await member.request(action="subscribe", symbols=["VIPX"])
    assert err["code"] == "forbidden"

    await sync_to_async(user.groups.add)(app.vip)
    vip = await Socket.open(cookie=await sync_to_async(session_cookie)(user))
    assert (await vip.request(action="subscribe", symbols=["VIPX"]))["subscriptions"] == ["VIPX"]
    for ws in (anon, member, vip):
        await ws.close()


async def test_withdrawn_visibility_revokes_live_subscriptions(app):
    ws = await Socket.open()
    await ws.request(action="subscribe", symbols=["AAPL", "MSFT"])
    await ws.drain()
    await update_feed("pub", visibility="signed_in")
    registry = await get_registry()
    await registry.hub.catalog.entries(max_age=0)
    await registry.recheck()
    assert await ws.recv() == {
        "type": "unsubscribed",
        "symbols": ["AAPL", "MSFT"],
        "subscriptions": [],
        "reason": "forbidden",
    }
    await updates_publish(commit({"AAPL": 1.0}))
    assert await ws.drain(0.3) == []
    await ws.close()


async def test_bad_origin_never_reaches_the_consumer(app, monkeypatch):
    from dashboard.consumers import TickerConsumer

    calls = []
    monkeypatch.setattr(TickerConsumer, "connect", lambda self: calls.append(self))
    for origin in (b"http://evil.example", b"null", b"http://127.0.0.1.evil.example"):
        with pytest.raises(Closed):
            await Socket.open(origin=origin)
    assert calls == []


async def test_no_origin_is_a_non_browser_client_and_may_connect_unless_required(app):
    ws = await Socket.open(origin=None)
    assert (await ws.request(action="ping"))["type"] == "pong"
    await ws.close()
    with override_settings(TICKER_WS_REQUIRE_ORIGIN=True), pytest.raises(Closed):
        await Socket.open(origin=None)


async def test_login_required_closes_anonymous_sockets_with_4003(app):
    user = await sync_to_async(User.objects.create_user)("bob", password="pw")
    with override_settings(TICKER_LOGIN_REQUIRED=True):
        ws = await Socket.open()
        with pytest.raises(Closed) as closed:
            await ws.recv()
        assert closed.value.code == 4003
        ws = await Socket.open(cookie=await sync_to_async(session_cookie)(user))
        assert (await ws.request(action="subscribe", symbols=["AAPL"]))["type"] == "subscribed"
        await ws.close()


async def test_rate_limit_answers_rate_limited_then_a_flooder_is_closed_with_1008(app):
    ws = await Socket.open()
    other = await Socket.open(client=("10.0.0.2", 5000))
    for i in range(20):
        await ws.send(action="ping", id=i)
    assert [f["id"] for f in [await ws.recv() for _ in range(20)]] == list(range(20))
    await ws.send(action="ping", id="over")
    err = await ws.recv()
    assert err["code"] == "rate_limited" and err["id"] == "over" and err["retry_after_ms"] > 0
    await asyncio.sleep(0.3)  # tokens come back at 10 a second
    assert (await ws.request(action="ping", id="again"))["type"] == "pong"
    for i in range(100):
        await ws.send_text("x" * (i + 1))
    codes = []
    with pytest.raises(Closed) as closed:
        while True:
            codes.append((await ws.recv())["code"])
    assert closed.value.code == 1008 and set(codes) <= {"rate_limited", "bad_request"}
    assert (await other.request(action="ping", id=1)) == {"type": "pong", "id": 1}
    await other.close()


async def test_per_address_limit_closes_the_extra_socket_with_1013(app):
    with override_settings(TICKER_WS_MAX_PER_ADDRESS=2):
        a, b = await Socket.open(), await Socket.open()
        c = await Socket.open()
        with pytest.raises(Closed) as closed:
            await c.recv()
        assert closed.value.code == 1013
        elsewhere = await Socket.open(client=("10.9.9.9", 1))
        assert (await elsewhere.request(action="ping"))["type"] == "pong"
        await a.close()
        await asyncio.sleep(0.05)
        d = await Socket.open()
        assert (await d.request(action="ping"))["type"] == "pong"
        for ws in (b, d, elsewhere):
            await ws.close()


async def test_heartbeat_reaches_an_idle_socket(app):
    with override_settings(TICKER_WS_HEARTBEAT_S=0.2):
        ws = await Socket.open()
        frame = await ws.recv(timeout=2)
        assert frame["type"] == "heartbeat" and isinstance(frame["ts"], int)
        await ws.close()


async def test_before_a_restart_the_notice_comes_ahead_of_queued_frames_then_close_1001(app):
    from tickerproj import connections

    ws = await Socket.open()
    await ws.request(action="subscribe", symbols=["AAPL"])
    await ws.recv()
    assert await connections.close_all(wait=1.0) == 1
    notice = await ws.recv()
    assert notice["type"] == "shutdown" and notice["reconnect"] is True
    assert 1000 <= notice["retry_after_ms"] <= 5000
    with pytest.raises(Closed) as closed:
        await ws.recv()
    assert closed.value.code == 1001


async def test_viewer_counts_follow_subscriptions(app):
    from dashboard import viewers

    a, b = await Socket.open(), await Socket.open()
    await a.request(action="subscribe", symbols=["AAPL", "MSFT"])
    await b.request(action="subscribe", symbols=["AAPL"])
    registry = await get_registry()
    await registry.publish_viewers()
    report = viewers.read()
    mine = next(p for p in report.processes if p["process"] == viewers.PROCESS_ID)
    assert mine["symbols"] == {"AAPL": 2, "MSFT": 1} and mine["connections"] == 2
    await a.close()
    await asyncio.sleep(0.05)
    await registry.publish_viewers()
    assert viewers.read().symbols == {"AAPL": 1}
    await b.close()
