"""The simulated leagues: teams, game format, and the compressed real-time schedule.

A league runs ``slots`` games side by side. Slot ``i`` repeats every ``cycle_seconds``,
shifted by ``i`` minutes: ``pre_seconds`` scheduled, then the periods (with one break),
then final until the next cycle (a basketball quarter is not a whole minute, so the clocks
of staggered games differ). Scoring is drawn once per ``tick_seconds`` of play from
``points`` (``(points, probability)`` pairs; the rest of the probability scores nothing).
"""

from __future__ import annotations

from dataclasses import dataclass

SLOT_GAP_SECONDS = 60


@dataclass(frozen=True)
class Team:
    id: str
    abbreviation: str
    location: str
    name: str = ""

    @property
    def display_name(self) -> str:
        return f"{self.location} {self.name}" if self.name else self.location

    @property
    def short_name(self) -> str:
        return self.name or self.location


@dataclass(frozen=True)
class League:
    sport: str
    slug: str
    id: str
    name: str
    abbreviation: str
    teams: tuple[Team, ...]
    slots: int
    cycle_seconds: int
    periods: int
    period_seconds: int
    period_clock: int
    break_after: int
    points: tuple[tuple[int, float], ...]
    draws: bool
    id_base: int
    pre_seconds: int = 60
    break_seconds: int = 20
    tick_seconds: int = 2

    @property
    def play_seconds(self) -> int:
        return self.periods * self.period_seconds + self.break_seconds

    @property
    def ticks(self) -> int:
        return self.periods * self.period_seconds // self.tick_seconds


NBA_TEAMS = (
    Team("1", "ATL", "Atlanta", "Hawks"),
    Team("2", "BOS", "Boston", "Celtics"),
    Team("17", "BKN", "Brooklyn", "Nets"),
    Team("30", "CHA", "Charlotte", "Hornets"),
    Team("4", "CHI", "Chicago", "Bulls"),
    Team("5", "CLE", "Cleveland", "Cavaliers"),
    Team("6", "DAL", "Dallas", "Mavericks"),
    Team("7", "DEN", "Denver", "Nuggets"),
    Team("8", "DET", "Detroit", "Pistons"),
    Team("9", "GS", "Golden State", "Warriors"),
    Team("10", "HOU", "Houston", "Rockets"),
    Team("11", "IND", "Indiana", "Pacers"),
    Team("12", "LAC", "LA", "Clippers"),
    Team("13", "LAL", "Los Angeles", "Lakers"),
    Team("29", "MEM", "Memphis", "Grizzlies"),
    Team("14", "MIA", "Miami", "Heat"),
    Team("15", "MIL", "Milwaukee", "Bucks"),
    Team("16", "MIN", "Minnesota", "Timberwolves"),
    Team("3", "NO", "New Orleans", "Pelicans"),
    Team("18", "NY", "New York", "Knicks"),
    Team("25", "OKC", "Oklahoma City", "Thunder"),
    Team("19", "ORL", "Orlando", "Magic"),
    Team("20", "PHI", "Philadelphia", "76ers"),
    Team("21", "PHX", "Phoenix", "Suns"),
    Team("22", "POR", "Portland", "Trail Blazers"),
    Team("23", "SAC", "Sacramento", "Kings"),
    Team("24", "SA", "San Antonio", "Spurs"),
    Team("28", "TOR", "Toronto", "Raptors"),
    Team("26", "UTAH", "Utah", "Jazz"),
    Team("27", "WSH", "Washington", "Wizards"),
)

EPL_TEAMS = (
    Team("359", "ARS", "Arsenal"),
    Team("362", "AVL", "Aston Villa"),
    Team("349", "BOU", "AFC Bournemouth"),
    Team("337", "BRE", "Brentford"),
    Team("331", "BHA", "Brighton & Hove Albion"),
    Team("379", "BUR", "Burnley"),
    Team("363", "CHE", "Chelsea"),
    Team("384", "CRY", "Crystal Palace"),
    Team("368", "EVE", "Everton"),
    Team("370", "FUL", "Fulham"),
    Team("357", "LEE", "Leeds United"),
    Team("364", "LIV", "Liverpool"),
    Team("382", "MNC", "Manchester City"),
    Team("360", "MAN", "Manchester United"),
    Team("361", "NEW", "Newcastle United"),
    Team("393", "NFO", "Nottingham Forest"),
    Team("366", "SUN", "Sunderland"),
    Team("367", "TOT", "Tottenham Hotspur"),
    Team("371", "WHU", "West Ham United"),
    Team("380", "WOL", "Wolverhampton Wanderers"),
)

NBA = League(
    sport="basketball",
    slug="nba",
    id="46",
    name="National Basketball Association",
    abbreviation="NBA",
    teams=NBA_TEAMS,
    slots=6,
    cycle_seconds=360,
    periods=4,
    period_seconds=55,
    period_clock=12 * 60,
    break_after=2,
    points=((1, 0.10), (2, 0.26), (3, 0.12)),
    draws=False,
    id_base=401_000_000,
)

EPL = League(
    sport="soccer",
    slug="eng.1",
    id="700",
    name="English Premier League",
    abbreviation="Prem",
    teams=EPL_TEAMS,
    slots=5,
    cycle_seconds=300,
    periods=2,
    period_seconds=90,
    period_clock=45 * 60,
    break_after=1,
    points=((1, 0.015),),
    draws=True,
    id_base=700_000_000,
)

LEAGUES: dict[tuple[str, str], League] = {(lg.sport, lg.slug): lg for lg in (NBA, EPL)}
