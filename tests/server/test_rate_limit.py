from server.rate_limit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_sender_gets_the_limit_per_window_then_again_once_it_has_passed():
    clock = Clock()
    limiter = RateLimiter(3, 60, clock=clock)
    assert [limiter.allow("a") for _ in range(5)] == [True, True, True, False, False]
    clock.now += 59
    assert not limiter.allow("a")
    clock.now += 1.5
    assert limiter.allow("a")


def test_refused_messages_do_not_count_and_the_window_slides():
    clock = Clock()
    limiter = RateLimiter(2, 10, clock=clock)
    assert limiter.allow("a")
    clock.now += 6
    assert limiter.allow("a")
    for _ in range(20):
        assert not limiter.allow("a")
    clock.now += 4.5  # the first one has left the window, the second has not
    assert limiter.allow("a")
    assert not limiter.allow("a")


def test_senders_are_counted_apart():
    limiter = RateLimiter(1, 60, clock=Clock())
    assert limiter.allow("a")
    assert not limiter.allow("a")
    assert limiter.allow("b")


def test_a_limit_of_zero_is_no_limit():
    limiter = RateLimiter(0, 60, clock=Clock())
    assert all(limiter.allow("a") for _ in range(1000))


def test_memory_is_bounded_by_forgetting_the_least_recently_seen_sender():
    limiter = RateLimiter(1, 60, clock=Clock(), max_senders=2)
    assert limiter.allow("a")
    assert limiter.allow("b")
    assert limiter.allow("c")  # "a" is forgotten
    assert limiter.allow("a")
    assert not limiter.allow("c")
