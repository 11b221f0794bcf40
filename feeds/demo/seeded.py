"""Deterministic randomness keyed by values, the same in every process.

Python's ``hash()`` is salted per process and ``random`` carries state, so neither lets two
workers agree; a keyed BLAKE2 digest does.
"""

from __future__ import annotations

from functools import lru_cache
from hashlib import blake2b
from statistics import NormalDist

_STANDARD_NORMAL = NormalDist()


def uniform(*key: object) -> float:
    """A number in the open interval (0, 1) that depends only on ``key``."""
    digest = blake2b(repr(key).encode(), digest_size=8).digest()
    return (int.from_bytes(digest, "big") + 0.5) / 2.0**64


@lru_cache(maxsize=65536)
def gauss(*key: object) -> float:
    """A standard normal draw that depends only on ``key``."""
    return _STANDARD_NORMAL.inv_cdf(uniform(*key))
