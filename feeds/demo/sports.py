"""Simulated games on a repeating schedule (``feeds.demo.espn`` answers them in ESPN's format).

A game's whole course (teams, every scoring tick) is drawn from keyed randomness of its id,
so its state is a pure function of (league, slot, now): every process agrees, and the time
is a parameter, so tests walk a game from scheduled to final without sleeping.
Basketball games tied after regulation are settled by one home point at the buzzer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import NamedTuple

from feeds.demo import seeded
from feeds.demo.leagues import LEAGUES, SLOT_GAP_SECONDS, League, Team

ORDINALS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th"}


class UnknownLeague(LookupError):
    """No simulated league at that ``sport/league``; the message names the known ones."""


class Status(NamedTuple):
    """ESPN's ``status`` object: ``state`` is pre/in/post, ``clock`` seconds (left in basketball)."""

    state: str
    period: int
    clock: float
    display_clock: str
    type_id: str
    name: str
    description: str
    detail: str
    short_detail: str


@dataclass(frozen=True)
class GameState:
    league: League
    id: str
    start: float
    home: Team
    away: Team
    home_score: int
    away_score: int
    status: Status


def find_league(sport: str, slug: str) -> League:
    try:
        return LEAGUES[(sport, slug)]
    except KeyError:
        known = ", ".join(f"{s}/{lg}" for s, lg in LEAGUES)
        raise UnknownLeague(f"no simulated league {sport}/{slug}; known: {known}") from None


def games(league: League, now: float) -> list[GameState]:
    """The game each slot is on at ``now`` (scheduled, live or final), earliest start first."""
    return sorted((game_state(league, slot, now) for slot in range(league.slots)), key=lambda g: g.start)


def game_state(league: League, slot: int, now: float) -> GameState:
    """Where slot ``slot``'s current game stands at ``now`` (epoch seconds)."""
    offset = slot * SLOT_GAP_SECONDS
    cycle = math.floor((now - offset) / league.cycle_seconds)
    game_id = str(league.id_base + cycle * league.slots + slot)
    start = cycle * league.cycle_seconds + offset + league.pre_seconds
    home, away = _matchup(league, slot, game_id)
    elapsed = now - start
    if elapsed < 0:
        status = _pre(league, start)
        ticks = 0
    elif elapsed >= league.play_seconds:
        status = _final(league)
        ticks = league.ticks
    else:
        played, at_break = _played(league, elapsed)
        status = _break(league) if at_break else _live(league, played)
        ticks = int(played // league.tick_seconds)
    home_score, away_score = _scores(league, game_id)[ticks]
    if status.state == "post" and not league.draws and home_score == away_score:
        home_score += 1
    return GameState(league, game_id, start, home, away, home_score, away_score, status)


def _matchup(league: League, slot: int, game_id: str) -> tuple[Team, Team]:
    """Two distinct teams from the slot's own pool, so no team plays two overlapping games."""
    size = len(league.teams) // league.slots
    pool = league.teams[slot * size : (slot + 1) * size]
    home = int(seeded.uniform(league.slug, game_id, "home") * size)
    away = (home + 1 + int(seeded.uniform(league.slug, game_id, "away") * (size - 1))) % size
    return pool[home], pool[away]


@lru_cache(maxsize=256)
def _scores(league: League, game_id: str) -> tuple[tuple[int, int], ...]:
    """Running (home, away) score after each scoring tick; index 0 is the tip-off 0-0."""
    totals, running = [(0, 0)], [0, 0]
    for tick in range(league.ticks):
        for side in (0, 1):
            draw, cumulative = seeded.uniform(league.slug, game_id, tick, side), 0.0
            for points, probability in league.points:
                cumulative += probability
                if draw < cumulative:
                    running[side] += points
                    break
        totals.append((running[0], running[1]))
    return tuple(totals)


def _played(league: League, elapsed: float) -> tuple[float, bool]:
    """Seconds of play behind us, and whether we are in the break."""
    before_break = league.break_after * league.period_seconds
    if elapsed < before_break:
        return elapsed, False
    if elapsed < before_break + league.break_seconds:
        return before_break, True
    return elapsed - league.break_seconds, False


def _pre(league: League, start: float) -> Status:
    when = datetime.fromtimestamp(start, UTC)
    detail = f"{when.month}/{when.day} - {when.strftime('%I:%M %p').lstrip('0')} UTC"
    display = "0'" if league.sport == "soccer" else "0.0"
    return Status("pre", 0, 0.0, display, "1", "STATUS_SCHEDULED", "Scheduled", detail, detail)


def _final(league: League) -> Status:
    if league.sport == "soccer":
        clock = float(league.periods * league.period_clock)
        return Status(
            "post",
            league.periods,
            clock,
            f"{clock // 60:.0f}'",
            "28",
            "STATUS_FULL_TIME",
            "Full Time",
            "FT",
            "FT",
        )
    return Status("post", league.periods, 0.0, "0.0", "3", "STATUS_FINAL", "Final", "Final", "Final")


def _break(league: League) -> Status:
    if league.sport == "soccer":
        clock = float(league.break_after * league.period_clock)
        return Status(
            "in",
            league.break_after,
            clock,
            f"{clock // 60:.0f}'",
            "23",
            "STATUS_HALFTIME",
            "Halftime",
            "Halftime",
            "HT",
        )
    return Status(
        "in", league.break_after, 0.0, "0.0", "23", "STATUS_HALFTIME", "Halftime", "Halftime", "Halftime"
    )


def _live(league: League, played: float) -> Status:
    period = min(int(played // league.period_seconds) + 1, league.periods)
    game_seconds = (
        (played - (period - 1) * league.period_seconds) / league.period_seconds * league.period_clock
    )
    if league.sport == "soccer":
        clock = (period - 1) * league.period_clock + game_seconds
        minute = f"{int(clock // 60) + 1}'"
        half = "First Half" if period == 1 else "Second Half"
        name = "STATUS_FIRST_HALF" if period == 1 else "STATUS_SECOND_HALF"
        return Status("in", period, round(clock, 1), minute, "2", name, half, minute, minute)
    left = round(league.period_clock - game_seconds, 1)
    display = f"{int(left // 60)}:{int(left % 60):02d}" if left >= 60 else f"{left:.1f}"
    detail = f"{display} - {ORDINALS[period]}"
    return Status(
        "in", period, left, display, "2", "STATUS_IN_PROGRESS", "In Progress", f"{detail} Quarter", detail
    )
