"""Rate limit, flood verdict and per-address limit, on a fake clock."""

from __future__ import annotations

from dashboard.limits import AddressLimit, MessageLimiter, TokenBucket, Verdict


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_the_burst_then_the_rate():
    clock = Clock()
    bucket = TokenBucket(10.0, 20, clock)
    assert all(bucket.take() for _ in range(20))
    assert not bucket.take()
    assert abs(bucket.wait_s() - 0.1) < 1e-9
    clock.now += 0.25
    assert [bucket.take() for _ in range(3)] == [True, True, False]
    clock.now += 60
    assert sum(bucket.take() for _ in range(30)) == 20  # never more than the burst


def test_a_brief_overshoot_is_refused_but_a_flooder_is_closed():
    clock = Clock()
    limiter = MessageLimiter(rate=10, burst=20, strikes=20, clock=clock)
    verdicts = [limiter.admit() for _ in range(25)]
    assert verdicts.count(Verdict.ALLOW) == 20 and verdicts[20:] == [Verdict.REFUSE] * 5
    assert limiter.retry_after_ms() == 100
    clock.now += 2.0
    assert limiter.admit() is Verdict.ALLOW

    flooder = MessageLimiter(rate=10, burst=20, strikes=20, clock=clock)
    verdicts = []
    for _ in range(100):  # 100 messages a second
        verdicts.append(flooder.admit())
        clock.now += 0.01
    first_close = verdicts.index(Verdict.CLOSE)
    assert verdicts[:20] == [Verdict.ALLOW] * 20
    assert 40 <= first_close <= 50, first_close  # about 20 refusals after the burst


def test_refusals_come_back_one_a_second():
    clock = Clock()
    limiter = MessageLimiter(rate=10, burst=1, strikes=2, clock=clock)
    assert [limiter.admit() for _ in range(4)] == [
        Verdict.ALLOW,
        Verdict.REFUSE,
        Verdict.REFUSE,
        Verdict.CLOSE,
    ]
    clock.now += 1.0
    assert limiter.admit() is Verdict.ALLOW
    assert limiter.admit() is Verdict.REFUSE  # one strike back after a second


def test_address_limit_counts_open_sockets_and_zero_means_off():
    limit = AddressLimit(2)
    assert [limit.acquire("a"), limit.acquire("a"), limit.acquire("a"), limit.acquire("b")] == [
        True,
        True,
        False,
        True,
    ]
    limit.release("a")
    assert limit.acquire("a")
    for _ in range(3):
        limit.release("b")
    assert "b" not in limit.open
    off = AddressLimit(0)
    assert all(off.acquire("a") for _ in range(1000))
