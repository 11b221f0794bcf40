"""A test adapter that sends the feed's key both ways providers expect: query and header.

Its parse fails in every way an adapter can (provider error, bad payload, a crash
whose message quotes the key), so tests can check the key never leaks.
"""

from __future__ import annotations

from feeds.adapters.base import Adapter, FeedError, FeedSpec, ProviderRequest, ProviderResponse, check_status
from feeds.schema import Record, make_quote


def requests(spec: FeedSpec) -> list[ProviderRequest]:
    return [
        ProviderRequest(
            url=spec.url, params={"apikey": spec.credentials}, headers={"X-Api-Key": spec.credentials}
        )
    ]


def parse(response: ProviderResponse, spec: FeedSpec) -> list[Record]:
    check_status(response)
    data = response.json()
    if isinstance(data, dict) and "echo" in data:
        raise FeedError(f"provider says: {data['echo']}")
    if isinstance(data, dict) and "crash" in data:
        raise RuntimeError(f"adapter bug while using key {spec.credentials}")
    return [make_quote(symbol=item["symbol"], price=item["price"], source=spec.name) for item in data]


ADAPTER = Adapter(name="keyed", label="Keyed test adapter", kind="quote", parse=parse, requests=requests)
