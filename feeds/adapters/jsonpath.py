"""Dotted paths into decoded JSON: ``data.quotes[0].last``, ``rows.2.price``.

Grammar: steps joined by ``.``; a step is a key (any characters but ``.``, ``[``
and ``]``) followed by zero or more ``[N]`` list indices (``N`` may be negative),
or indices alone (``[0].price``). A key made only of digits indexes a list when
the value there is a list. Keys containing dots cannot be expressed.
"""

from __future__ import annotations

import re
from typing import Any

from feeds.adapters.base import FeedError

Step = str | int
_STEP_RE = re.compile(r"^(?P<key>[^.\[\]]*)(?P<indices>(?:\[-?\d+\])*)$")
_INDEX_RE = re.compile(r"\[(-?\d+)\]")


class PathError(FeedError):
    """A path that is malformed, or that does not lead anywhere in a document."""


def parse_path(path: str) -> tuple[Step, ...]:
    """The steps of ``path``, or a ``PathError`` saying which part is malformed."""
    if not isinstance(path, str) or not path.strip():
        raise PathError(f"path must be a non-empty string, got {path!r}")
    steps: list[Step] = []
    for part in path.strip().split("."):
        match = _STEP_RE.match(part)
        if not match or not part:
            where = "an empty step (two dots, or a dot at an end)" if not part else repr(part)
            raise PathError(f"path {path!r}: {where} is not a key optionally followed by [N] indices")
        if match["key"]:
            steps.append(match["key"])
        steps.extend(int(n) for n in _INDEX_RE.findall(match["indices"]))
    return tuple(steps)


def resolve_path(data: Any, path: str | tuple[Step, ...]) -> Any:
    """Follow ``path`` into ``data``; a ``PathError`` names the step that was missing."""
    steps = parse_path(path) if isinstance(path, str) else path
    value = data
    for depth, step in enumerate(steps):
        value = _step(value, step, steps[: depth + 1])
    return value


def _step(value: Any, step: Step, walked: tuple[Step, ...]) -> Any:
    where = _render(walked[:-1])
    if isinstance(step, str) and isinstance(value, dict):
        if step in value:
            return value[step]
        raise PathError(f"{where}: no key {step!r} (keys: {', '.join(map(str, list(value)[:8]))})")
    index = step if isinstance(step, int) else int(step) if step.lstrip("-").isdigit() else None
    if index is not None and isinstance(value, list):
        if -len(value) <= index < len(value):
            return value[index]
        raise PathError(f"{where}: index {index} is outside a list of {len(value)}")
    raise PathError(f"{where}: cannot take {step!r} of a {type(value).__name__}")


def _render(steps: tuple[Step, ...]) -> str:
    out = ""
    for step in steps:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out or "(top level)"
