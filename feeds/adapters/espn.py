"""ESPN public scoreboard: ``site.api.espn.com/apis/site/v2/sports/{sport}/{league}/scoreboard``.

URL: the scoreboard itself, e.g.
``https://site.api.espn.com/apis/site/v2/sports/basketball/nba/scoreboard``; any
sport and league whose games are two competitors, home and away. No credential,
no symbols: every game on the scoreboard is published.

Each game is one ``score`` record keyed ``{LEAGUE}-{event id}`` (``NBA-401585285``):
the event id is ESPN's stable game id, the league is ``options.league`` if set, else
``leagues[0].abbreviation`` (``NBA``, ``NFL``), upper-cased with characters outside
``[A-Z0-9._-]`` dropped.

Quirks:
- The endpoint is undocumented; the fields used are ``events[].id``, ``name``,
  ``date`` (ISO without seconds: ``2024-01-30T00:00Z``),
  ``competitions[0].competitors[]`` with ``homeAway``, ``team.abbreviation`` /
  ``team.displayName`` and ``score`` (a string, ``"0"`` before the game), and
  ``status`` (``type.state`` ``pre``/``in``/``post``, ``period``,
  ``displayClock``). Some answers carry ``status`` only inside the competition.
- ESPN gives no per-game update time, so ``ts`` is the poll time; unchanged games
  are dropped downstream as unchanged values.
- Events that are not head-to-head (golf, racing) are skipped and logged; if the
  scoreboard has events but none is head-to-head, that is a ``FeedError``. An empty
  ``events`` list (no games that day) is no records, not an error.
"""

from __future__ import annotations

import logging
import re

from feeds.adapters.base import Adapter, FeedError, FeedSpec, ProviderResponse, check_status
from feeds.adapters.checks import check_option_names, require_http_url
from feeds.schema import Record, make_score, to_number, to_ts

log = logging.getLogger(__name__)

NOT_SYMBOL_CHARS = re.compile(r"[^A-Z0-9._-]")


def validate(spec: FeedSpec) -> None:
    require_http_url(spec)
    check_option_names(spec, ("league",))
    if "league" in spec.options:
        league_code(spec.options["league"])


def league_code(raw: object) -> str:
    """A league name as it appears in symbols: ``"Prem"`` -> ``PREM``, ``"eng.1"`` -> ``ENG.1``."""
    code = NOT_SYMBOL_CHARS.sub("", str(raw or "").upper())[:20]
    if not code or not code[0].isalnum():
        raise FeedError(f"league {str(raw)[:30]!r} gives no usable symbol prefix; set options.league")
    return code


def parse(response: ProviderResponse, spec: FeedSpec) -> list[Record]:
    check_status(response, "espn")
    data = response.json()
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        raise FeedError(f"espn: expected a scoreboard with an events list, got {str(data)[:60]!r}")
    league = _league(data, spec)
    now = to_ts(None)
    records: list[Record] = []
    skipped: list[str] = []
    for event in data["events"]:
        record = _game(event, league, spec, now)
        if record is None:
            skipped.append(str(event.get("id")) if isinstance(event, dict) else "?")
        else:
            records.append(record)
    if skipped and not records:
        raise FeedError(f"espn: no head-to-head games among {len(skipped)} events (is this a scoreboard?)")
    if skipped:
        log.warning("espn feed %s: skipped events without home/away teams: %s", spec.name, ", ".join(skipped))
    return records


def _league(data: dict, spec: FeedSpec) -> str:
    if spec.options.get("league"):
        return league_code(spec.options["league"])
    leagues = data.get("leagues")
    first = leagues[0] if isinstance(leagues, list) and leagues else None
    if isinstance(first, dict) and first.get("abbreviation"):
        return league_code(first["abbreviation"])
    raise FeedError("espn: the scoreboard names no league (leagues[0].abbreviation); set options.league")


def _game(event: object, league: str, spec: FeedSpec, now: str) -> Record | None:
    if not isinstance(event, dict) or not event.get("id"):
        raise FeedError(f"espn: event without an id: {str(event)[:60]!r}")
    game_id = str(event["id"])
    competitions = event.get("competitions")
    if not isinstance(competitions, list) or not competitions or not isinstance(competitions[0], dict):
        raise FeedError(f"espn: event {game_id} has no competitions")
    competition = competitions[0]
    competitors = competition.get("competitors")
    if not isinstance(competitors, list):
        raise FeedError(f"espn: event {game_id} has no competitors list")
    sides = {c.get("homeAway"): c for c in competitors if isinstance(c, dict)}
    if set(sides) != {"home", "away"} or len(competitors) != 2:
        return None
    status = event.get("status") or competition.get("status")
    if not isinstance(status, dict) or not isinstance(status.get("type"), dict):
        raise FeedError(f"espn: event {game_id} has no status")
    state = status["type"].get("state")
    if state not in ("pre", "in", "post"):
        raise FeedError(f"espn: event {game_id} has status state {state!r}, not pre/in/post")
    home, away = (_team(sides[side], game_id, side) for side in ("home", "away"))
    live = state != "pre"
    return make_score(
        symbol=f"{league}-{game_id}",
        source=spec.name,
        league=league,
        home=home[0],
        away=away[0],
        home_score=_score(sides["home"], game_id, state),
        away_score=_score(sides["away"], game_id, state),
        status=state,
        ts=now,
        period=status.get("period") if live else None,
        clock=status.get("displayClock") if live else None,
        name=event.get("name") or f"{away[1]} at {home[1]}",
        start=to_ts(event["date"]) if event.get("date") else None,
    )


def _team(competitor: dict, game_id: str, side: str) -> tuple[str, str]:
    """(abbreviation, display name) of one side."""
    team = competitor.get("team")
    if not isinstance(team, dict):
        raise FeedError(f"espn: event {game_id} {side} competitor has no team")
    short = team.get("abbreviation") or team.get("shortDisplayName") or team.get("displayName")
    if not isinstance(short, str) or not short.strip():
        raise FeedError(f"espn: event {game_id} {side} team has no name")
    return short, team.get("displayName") or short


def _score(competitor: dict, game_id: str, state: str) -> int:
    raw = competitor.get("score")
    if isinstance(raw, dict):
        raw = raw.get("value", raw.get("displayValue"))
    if raw in (None, ""):
        if state == "pre":
            return 0
        raise FeedError(f"espn: event {game_id} is {state} but a competitor has no score")
    number = to_number(raw, f"event {game_id} score")
    if number < 0 or number != int(number):
        raise FeedError(f"espn: event {game_id} score {raw!r} is not a whole number of points")
    return int(number)


ADAPTER = Adapter(name="espn", label="ESPN scoreboard", kind="score", parse=parse, validate=validate)
