"""feeder.serve.limits: the per-IP sliding window, and whose X-Forwarded-For is believed."""

from __future__ import annotations

from feeder.serve.limits import RateLimit, client_ip, limit_key, networks


def test_sliding_window_counts_each_key_apart() -> None:
    limit = RateLimit(3, 60.0)
    assert [limit.allow("a", t) for t in (0.0, 1.0, 2.0)] == [0.0, 0.0, 0.0]
    assert limit.allow("a", 3.0) == 57.0  # the first one leaves the window at 60
    assert limit.allow("b", 3.0) == 0.0
    assert limit.allow("a", 59.9) > 0 and limit.allow("a", 60.0) == 0.0
    assert limit.allow("a", 60.5) > 0  # 1.0, 2.0 and 60.0 are in the window


def test_refused_requests_do_not_extend_the_wait() -> None:
    limit = RateLimit(1, 10.0)
    assert limit.allow("a", 0.0) == 0.0
    for t in range(1, 10):
        assert limit.allow("a", float(t)) > 0
    assert limit.allow("a", 10.0) == 0.0


def test_memory_is_bounded_under_many_addresses() -> None:
    limit = RateLimit(5, 60.0, max_keys=100)
    for n in range(1000):
        limit.allow(f"10.0.{n // 256}.{n % 256}", float(n) / 1000)
    assert len(limit._seen) <= 100
    limit.allow("late", 500.0)  # everything older than the window is dropped first
    assert list(limit._seen) == ["late"]


TRUSTED = networks(["127.0.0.1", "::1", "10.0.0.0/8"])


def test_forwarded_for_is_believed_only_from_trusted_proxies() -> None:
    assert client_ip("127.0.0.1", "203.0.113.9", ()) == "127.0.0.1"  # nothing configured: the peer
    assert client_ip("198.51.100.7", "203.0.113.9", TRUSTED) == "198.51.100.7"  # not a proxy of ours
    assert client_ip("127.0.0.1", "203.0.113.9", TRUSTED) == "203.0.113.9"
    assert client_ip("::1", "2001:db8::5", TRUSTED) == "2001:db8::5"
    assert client_ip("127.0.0.1", None, TRUSTED) == "127.0.0.1"


def test_forwarded_for_is_read_from_the_right() -> None:
    # the client wrote the first value itself; nginx appended the address it saw
    assert client_ip("127.0.0.1", "1.2.3.4, 203.0.113.9", TRUSTED) == "203.0.113.9"
    # a chain of our own proxies is walked through
    assert client_ip("127.0.0.1", "203.0.113.9, 10.1.2.3", TRUSTED) == "203.0.113.9"
    # garbage stops the walk at the last address believed
    assert client_ip("127.0.0.1", "203.0.113.9, nonsense", TRUSTED) == "127.0.0.1"
    assert client_ip("127.0.0.1", "[2001:db8::7]:4711", TRUSTED) == "2001:db8::7"
    assert client_ip("127.0.0.1", "203.0.113.9:4711", TRUSTED) == "203.0.113.9"


def test_ipv4_mapped_peer_counts_as_its_ipv4_address() -> None:
    assert client_ip("::ffff:127.0.0.1", "203.0.113.9", TRUSTED) == "203.0.113.9"


def test_ipv6_clients_are_counted_by_their_64() -> None:
    assert limit_key("2001:db8:1:2:aaaa::1") == limit_key("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert limit_key("2001:db8:1:3::1") != limit_key("2001:db8:1:2::1")
    assert limit_key("203.0.113.9") == "203.0.113.9" and limit_key("::ffff:203.0.113.9") == "203.0.113.9"
    assert limit_key("unknown") == "unknown"
