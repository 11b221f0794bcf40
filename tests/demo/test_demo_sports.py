import itertools
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from feeds.demo import espn, sports
from feeds.demo.leagues import EPL, LEAGUES, NBA

NOW = 1_764_000_000.0
REPO = Path(__file__).resolve().parents[2]
LEAGUE_PATHS = [("basketball", "nba"), ("soccer", "eng.1")]


def walk(league, slot: int, start: float, seconds: int) -> list[sports.GameState]:
    return [sports.game_state(league, slot, start + t) for t in range(seconds)]


def collapse(values) -> list:
    return [key for key, _ in itertools.groupby(values)]


@pytest.mark.parametrize(("sport", "slug"), LEAGUE_PATHS)
def test_scoreboard_has_espns_structure(sport, slug):
    board = espn.scoreboard(sport, slug, NOW)
    league = LEAGUES[(sport, slug)]
    assert board["leagues"][0]["abbreviation"] == league.abbreviation
    assert board["leagues"][0]["slug"] == slug
    assert len(board["events"]) == league.slots
    for event in board["events"]:
        assert {"id", "date", "name", "shortName", "competitions", "status"} <= set(event)
        assert re.match(r"^\d+$", event["id"])
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\dZ$", event["date"])
        competition = event["competitions"][0]
        assert competition["status"] == event["status"]
        home, away = competition["competitors"]
        assert (home["homeAway"], away["homeAway"]) == ("home", "away")
        assert event["name"] == f"{away['team']['displayName']} at {home['team']['displayName']}"
        assert event["shortName"] == f"{away['team']['abbreviation']} @ {home['team']['abbreviation']}"
        for side in (home, away):
            assert isinstance(side["score"], str) and side["score"].isdigit()
            assert side["team"]["abbreviation"] and side["team"]["displayName"]
        status = event["status"]
        kind = status["type"]
        assert kind["state"] in ("pre", "in", "post")
        assert kind["completed"] is (kind["state"] == "post")
        assert isinstance(status["period"], int) and isinstance(status["displayClock"], str)
        assert kind["shortDetail"] and kind["detail"] and kind["name"].startswith("STATUS_")
    json.dumps(board)


def test_unknown_league_names_the_known_ones():
    with pytest.raises(sports.UnknownLeague, match="basketball/nba"):
        espn.scoreboard("basketball", "wnba", NOW)


@pytest.mark.parametrize("league", [NBA, EPL])
def test_a_game_goes_pre_then_in_then_post_then_a_new_game_starts(league):
    cycle_start = (NOW // league.cycle_seconds) * league.cycle_seconds
    states = walk(league, 0, cycle_start, league.cycle_seconds + 5)
    first_id = states[0].id
    same_game = [s for s in states if s.id == first_id]
    assert collapse(s.status.state for s in same_game) == ["pre", "in", "post"]
    assert len(same_game) == league.cycle_seconds
    following = [s for s in states if s.id != first_id]
    assert following[0].status.state == "pre"
    assert int(following[0].id) == int(first_id) + league.slots
    pre = same_game[0]
    assert pre.start == cycle_start + league.pre_seconds
    assert (pre.home_score, pre.away_score, pre.status.period) == (0, 0, 0)


@pytest.mark.parametrize("league", [NBA, EPL])
def test_scores_never_go_down_and_periods_advance_within_a_game(league):
    for slot in range(league.slots):
        start = sports.game_state(league, slot, NOW).start - league.pre_seconds
        game = [s for s in walk(league, slot, start, league.cycle_seconds)]
        assert len({s.id for s in game}) == 1
        for before, after in itertools.pairwise(game):
            assert after.home_score >= before.home_score and after.away_score >= before.away_score
            if after.status.state == "in" == before.status.state:
                assert after.status.period >= before.status.period
        periods = collapse(s.status.period for s in game if s.status.state == "in")
        assert periods == list(range(1, league.periods + 1))
        assert game[-1].status.state == "post"


def test_basketball_clock_runs_down_and_halftime_sits_between_the_halves():
    start = sports.game_state(NBA, 0, NOW).start
    first_quarter = [sports.game_state(NBA, 0, start + t).status for t in range(0, NBA.period_seconds, 5)]
    assert first_quarter[0].display_clock == "12:00"
    assert [s.clock for s in first_quarter] == sorted((s.clock for s in first_quarter), reverse=True)
    assert first_quarter[3].short_detail == f"{first_quarter[3].display_clock} - 1st"
    halftime = sports.game_state(NBA, 0, start + 2 * NBA.period_seconds + 1).status
    assert (halftime.state, halftime.name, halftime.period) == ("in", "STATUS_HALFTIME", 2)
    third = sports.game_state(NBA, 0, start + 2 * NBA.period_seconds + NBA.break_seconds + 1).status
    assert third.period == 3 and third.short_detail.endswith(" - 3rd")


def test_soccer_clock_counts_minutes_up_and_ends_full_time():
    start = sports.game_state(EPL, 0, NOW).start
    minutes = [sports.game_state(EPL, 0, start + t).status.display_clock for t in (0, 30, 88)]
    assert minutes == ["1'", "16'", "45'"]
    assert sports.game_state(EPL, 0, start + 95).status.short_detail == "HT"
    assert sports.game_state(EPL, 0, start + 111).status.display_clock == "46'"
    final = sports.game_state(EPL, 0, start + EPL.play_seconds).status
    assert (final.state, final.short_detail, final.name) == ("post", "FT", "STATUS_FULL_TIME")


def test_finished_basketball_games_have_a_winner_and_plausible_scores():
    for cycle in range(40):
        slot, when = cycle % NBA.slots, NOW + cycle * NBA.cycle_seconds
        final = sports.game_state(NBA, slot, sports.game_state(NBA, slot, when).start + NBA.play_seconds)
        assert final.status.state == "post"
        assert final.home_score != final.away_score
        assert 60 < final.home_score < 170 and 60 < final.away_score < 170


@pytest.mark.parametrize("league", [NBA, EPL])
def test_some_games_are_live_at_any_moment_and_no_team_plays_twice_at_once(league):
    for t in range(0, 3 * league.cycle_seconds, 7):
        now_games = sports.games(league, NOW + t)
        assert any(g.status.state == "in" for g in now_games), t
        teams = [g.home.abbreviation for g in now_games] + [g.away.abbreviation for g in now_games]
        assert len(teams) == len(set(teams))


def test_basketball_scores_change_every_few_seconds():
    totals = [sum(g.home_score + g.away_score for g in sports.games(NBA, NOW + t)) for t in range(0, 600, 5)]
    changes = sum(a != b for a, b in itertools.pairwise(totals))
    assert changes >= 0.8 * (len(totals) - 1)


def test_two_fresh_processes_agree_on_the_scoreboard():
    code = (
        "import json, sys; from feeds.demo import espn; "
        "print(json.dumps(espn.scoreboard('basketball', 'nba', float(sys.argv[1]))))"
    )

    def run(seed: str) -> dict:
        env = {**os.environ, "PYTHONHASHSEED": seed}
        args = [sys.executable, "-c", code, repr(NOW + 200)]
        return json.loads(subprocess.run(args, cwd=REPO, env=env, capture_output=True, check=True).stdout)

    assert run("1") == run("2") == json.loads(json.dumps(espn.scoreboard("basketball", "nba", NOW + 200)))
