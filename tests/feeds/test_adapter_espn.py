"""ESPN scoreboard: one score record per game, league prefix, pre/in/post, malformed events."""

from __future__ import annotations

import copy
import json

import pytest

from feeds.adapters import get_adapter
from feeds.adapters.base import FeedError, FeedSpec, ProviderResponse

ADAPTER = get_adapter("espn")
URL = "https://site.api.espn.com/apis/site/v2/sports/basketball/nba/scoreboard"


def feed(**options: object) -> FeedSpec:
    return FeedSpec(name="nba", url=URL, options=options)


def board(load, name: str) -> dict:
    return json.loads(load("espn", name).body)


def respond(data: object) -> ProviderResponse:
    return ProviderResponse(200, json.dumps(data).encode())


def test_final_game(load):
    (rec,) = ADAPTER.parse(load("espn", "nba_scoreboard_final.json"), feed())
    ts = rec.pop("ts")
    assert rec == {
        "symbol": "NBA-401585285",
        "kind": "score",
        "source": "nba",
        "league": "NBA",
        "home": "CHA",
        "away": "NY",
        "home_score": 92,
        "away_score": 113,
        "status": "post",
        "period": 4,
        "clock": "0.0",
        "name": "New York Knicks at Charlotte Hornets",
        "start": "2024-01-30T00:00:00.000Z",
    }
    assert ts.endswith("Z")


def test_scheduled_game_has_no_period_or_clock(load):
    (rec,) = ADAPTER.parse(load("espn", "nba_scoreboard_scheduled.json"), feed())
    assert rec["symbol"] == "NBA-401703382" and rec["status"] == "pre"
    assert (rec["home"], rec["away"], rec["home_score"], rec["away_score"]) == ("CLE", "CHI", 0, 0)
    assert rec["start"] == "2024-11-16T00:30:00.000Z"
    assert "period" not in rec and "clock" not in rec


def test_in_progress_status_inside_competition_and_league_from_options(load):
    (rec,) = ADAPTER.parse(load("espn", "mlb_scoreboard_in_progress.json"), feed(league="mlb"))
    assert rec["symbol"] == "MLB-401816311" and rec["league"] == "MLB" and rec["status"] == "in"
    assert (rec["home"], rec["home_score"], rec["away"], rec["away_score"]) == ("MIA", 3, "PHI", 1)
    assert rec["period"] == 6 and rec["clock"] == "0:00"


def test_scoreboard_without_league_needs_option(load):
    with pytest.raises(FeedError, match="names no league.*set options.league"):
        ADAPTER.parse(load("espn", "mlb_scoreboard_in_progress.json"), feed())


def test_league_code_sanitized(load):
    data = board(load, "nba_scoreboard_final.json")
    data["leagues"][0]["abbreviation"] = "eng.1 (Prem)"
    (rec,) = ADAPTER.parse(respond(data), feed())
    assert rec["symbol"] == "ENG.1PREM-401585285"


def test_no_games_is_no_records():
    assert ADAPTER.parse(respond({"leagues": [{"abbreviation": "NBA"}], "events": []}), feed()) == []


def test_non_head_to_head_events_skipped_or_error(load):
    data = board(load, "nba_scoreboard_final.json")
    golf = copy.deepcopy(data["events"][0])
    golf["id"] = "999"
    golf["competitions"][0]["competitors"] = [{"team": {"abbreviation": "X"}, "score": "-3"}] * 3
    data["events"].append(golf)
    assert [r["symbol"] for r in ADAPTER.parse(respond(data), feed())] == ["NBA-401585285"]
    data["events"] = [golf]
    with pytest.raises(FeedError, match="no head-to-head games among 1 events"):
        ADAPTER.parse(respond(data), feed())


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda e: e.pop("id"), "event without an id"),
        (lambda e: e.update(competitions=[]), "event 401585285 has no competitions"),
        (lambda e: e.update(status={"type": {"state": "done"}}), "status state 'done', not pre/in/post"),
        (lambda e: e.pop("status"), "event 401585285 has no status"),
        (
            lambda e: e["competitions"][0]["competitors"][0].pop("score"),
            "is post but a competitor has no score",
        ),
        (lambda e: e["competitions"][0]["competitors"][0].update(score="9x"), "score: '9x' is not a number"),
        (lambda e: e["competitions"][0]["competitors"][0].update(score="9.5"), "not a whole number"),
        (lambda e: e["competitions"][0]["competitors"][1].pop("team"), "away competitor has no team"),
        (lambda e: e.update(date="soon"), "not an ISO 8601 time"),
    ],
)
def test_malformed_event(load, mutate, message):
    data = board(load, "nba_scoreboard_final.json")
    mutate(data["events"][0])
    with pytest.raises(FeedError, match=message):
        ADAPTER.parse(respond(data), feed())


def test_not_a_scoreboard():
    with pytest.raises(FeedError, match="expected a scoreboard with an events list"):
        ADAPTER.parse(respond({"sports": []}), feed())


def test_validate():
    ADAPTER.validate(feed(league="NBA"))
    with pytest.raises(FeedError, match="gives no usable symbol prefix"):
        ADAPTER.validate(feed(league="***"))
    with pytest.raises(FeedError, match="unknown option"):
        ADAPTER.validate(feed(sport="nba"))
