"""Any JSON API, mapped field by field by the operator (adapter name ``json``).

URL: the endpoint, fetched with one GET. Credential: not sent by this adapter (an
API that needs one in a header cannot be mapped yet; one that takes it in the URL
can have it written into the URL).

``options`` maps normalized quote fields to dotted paths (see ``jsonpath``) into
each item::

    {"items": "data.quotes", "symbol": "ticker", "price": "last",
     "change_pct": "chg_pct", "ts": "updated"}

- ``items``: path to the list of items (or to a single item object); omitted or
  ``""`` means the whole document.
- ``symbol`` and ``price``: required.
- ``change``, ``change_pct``, ``open``, ``high``, ``low``, ``prev_close``,
  ``volume``, ``ts``, ``name``, ``currency``: optional. A path missing from an item
  leaves that field out; a value that is present but not a number is an error.
- ``symbol_map`` and ``names``: as for every adapter (``checks``). The feed's ``symbols``, if any, filter
  the items (by the published symbol or the provider's symbol).

``validate`` says exactly why a mapping cannot work; ``parse`` runs it first.
"""

from __future__ import annotations

from collections.abc import Mapping

from feeds.adapters.base import Adapter, FeedError, FeedSpec, ProviderResponse, check_status
from feeds.adapters.checks import (
    COMMON_OPTIONS,
    check_common_options,
    display_name,
    publish_symbol,
    require_http_url,
)
from feeds.adapters.jsonpath import PathError, parse_path, resolve_path
from feeds.schema import QUOTE_FIELDS, Record, make_quote

REQUIRED = ("symbol", "price")
OPTIONAL = tuple(f for f in QUOTE_FIELDS if f != "price") + ("ts", "name", "currency")
KNOWN = ("items", *REQUIRED, *OPTIONAL)


def validate(spec: FeedSpec) -> None:
    require_http_url(spec)
    mapping_paths(spec)


def mapping_paths(spec: FeedSpec) -> dict[str, tuple]:
    """The checked field -> path steps map, or a permanent ``FeedError`` saying what is wrong."""
    options = spec.options
    if not isinstance(options, Mapping):
        raise FeedError("options must be an object mapping fields to paths", permanent=True)
    unknown = sorted(set(options) - set(KNOWN) - COMMON_OPTIONS)
    if unknown:
        raise FeedError(
            f"unknown field(s) {', '.join(map(repr, unknown))} in options; known: {', '.join(KNOWN)}",
            permanent=True,
        )
    missing = [key for key in REQUIRED if not options.get(key)]
    if missing:
        raise FeedError(f"options need {' and '.join(missing)} (a path into each item)", permanent=True)
    paths: dict[str, tuple] = {}
    for key in KNOWN:
        raw = options.get(key)
        if key == "items" and raw in (None, ""):
            paths[key] = ()
            continue
        if raw is None:
            continue
        try:
            paths[key] = parse_path(raw)
        except PathError as exc:
            raise FeedError(f"options.{key}: {exc.message}", permanent=True) from None
    check_common_options(spec)
    return paths


def parse(response: ProviderResponse, spec: FeedSpec) -> list[Record]:
    paths = mapping_paths(spec)
    check_status(response, "json")
    data = response.json()
    try:
        items = resolve_path(data, paths["items"])
    except PathError as exc:
        raise FeedError(f"json: items path does not fit the response: {exc.message}") from None
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        raise FeedError(f"json: items path leads to {json_type(items)}, not a list or object")
    wanted = {s.upper() for s in spec.symbols}
    records = []
    for index, item in enumerate(items):
        record = _record(item, index, paths, spec)
        raw_symbol = str(resolve_path(item, paths["symbol"])).upper()
        if not wanted or record["symbol"] in wanted or raw_symbol in wanted:
            records.append(record)
    return records


def json_type(value: object) -> str:
    """How JSON would name the type of a decoded value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "a string" if isinstance(value, str) else f"a {type(value).__name__}"


def _record(item: object, index: int, paths: dict[str, tuple], spec: FeedSpec) -> Record:
    fields: dict[str, object] = {}
    for key in REQUIRED:
        try:
            fields[key] = resolve_path(item, paths[key])
        except PathError as exc:
            raise FeedError(f"json: item {index} has no {key}: {exc.message}") from None
    for key in OPTIONAL:
        if key in paths:
            try:
                fields[key] = resolve_path(item, paths[key])
            except PathError:
                continue
    symbol = fields.pop("symbol")
    if isinstance(symbol, int | float) and not isinstance(symbol, bool):
        symbol = str(symbol)
    if not isinstance(symbol, str):
        raise FeedError(f"json: item {index} symbol is {symbol!r}, not text")
    fields.setdefault("name", display_name(symbol, spec))
    return make_quote(symbol=publish_symbol(symbol, spec), source=spec.name, **fields)


ADAPTER = Adapter(name="json", label="Generic JSON (field map)", kind="quote", parse=parse, validate=validate)
