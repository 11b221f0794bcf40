"""The simulated games in ESPN's public scoreboard format (``site.api.espn.com``).

Same shape as ``/apis/site/v2/sports/{sport}/{league}/scoreboard``: ``leagues[0]``, and
``events[]`` each with one competition of two competitors (home first), scores as strings,
and the ``status`` object both on the event and on the competition. Consumers should key on
``status.type.state``/``completed``/``name``; the numeric ``type.id`` values are cosmetic.
"""

from __future__ import annotations

from datetime import UTC, datetime

from feeds.demo.sports import GameState, find_league, games


def scoreboard(sport: str, slug: str, now: float) -> dict:
    """The ESPN ``/apis/site/v2/sports/{sport}/{league}/scoreboard`` body at ``now``.

    Raises ``UnknownLeague`` for a league that is not simulated.
    """
    league = find_league(sport, slug)
    day = datetime.fromtimestamp(now, UTC)
    return {
        "leagues": [
            {
                "id": league.id,
                "uid": f"s:0~l:{league.id}",
                "name": league.name,
                "abbreviation": league.abbreviation,
                "slug": league.slug,
                "season": {"year": day.year, "type": {"id": "2", "type": 2, "name": "Regular Season"}},
            }
        ],
        "season": {"type": 2, "year": day.year},
        "day": {"date": day.strftime("%Y-%m-%d")},
        "events": [_event(game) for game in games(league, now)],
    }


def _event(game: GameState) -> dict:
    date = datetime.fromtimestamp(game.start, UTC).strftime("%Y-%m-%dT%H:%MZ")
    st = game.status
    status = {
        "clock": st.clock,
        "displayClock": st.display_clock,
        "period": st.period,
        "type": {
            "id": st.type_id,
            "name": st.name,
            "state": st.state,
            "completed": st.state == "post",
            "description": st.description,
            "detail": st.detail,
            "shortDetail": st.short_detail,
        },
    }
    sides = (
        ("home", game.home, game.home_score, game.away_score),
        ("away", game.away, game.away_score, game.home_score),
    )
    competitors = []
    for home_away, team, score, other in sides:
        competitor = {
            "id": team.id,
            "type": "team",
            "order": 0 if home_away == "home" else 1,
            "homeAway": home_away,
            "team": {
                "id": team.id,
                "abbreviation": team.abbreviation,
                "displayName": team.display_name,
                "shortDisplayName": team.short_name,
                "name": team.short_name,
                "location": team.location,
            },
            "score": str(score),
        }
        if st.state == "post":
            competitor["winner"] = score > other
        competitors.append(competitor)
    return {
        "id": game.id,
        "uid": f"s:0~l:{game.league.id}~e:{game.id}",
        "date": date,
        "name": f"{game.away.display_name} at {game.home.display_name}",
        "shortName": f"{game.away.abbreviation} @ {game.home.abbreviation}",
        "competitions": [{"id": game.id, "date": date, "competitors": competitors, "status": status}],
        "status": status,
    }
