"""The pure rules that bound what commenters and anonymous writers can do: windows by the
clock, comment limits, the rate limit's arithmetic, and who the client is behind proxies."""
from datetime import datetime, timedelta, timezone

import pytest

from services.review.domain import limits, windows
from services.review.schemas import PublicCommentSchema
from shared import forwarded, ratelimit
from shared.forwarded import client_key

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
BEFORE, AT, AFTER = T0 - timedelta(milliseconds=1), T0, T0 + timedelta(seconds=1)


@pytest.mark.parametrize("action, moment", [
    ("comment_government", "government_review_until"), ("comment_public", "public_comment_closes_at"),
    ("accept", "deadline_at"), ("save_rating", "deadline_at"), ("submit", "deadline_at"),
])
def test_an_until_window_is_open_strictly_before_its_moment(action, moment):
    assert windows.window(action, BEFORE, **{moment: T0}).open
    for now in (AT, AFTER):
        verdict = windows.window(action, now, **{moment: T0})
        assert not verdict.open and "2026-01-01T00:00:00.000Z" in verdict.reason


@pytest.mark.parametrize("action, moment", [("open_public_comment", "government_review_until"),
                                            ("finalise", "public_comment_closes_at")])
def test_a_from_window_opens_at_its_moment(action, moment):
    assert not windows.window(action, BEFORE, **{moment: T0}).open
    assert windows.window(action, AT, **{moment: T0}).open and windows.window(action, AFTER, **{moment: T0}).open


def test_the_reasons_say_what_closed():
    assert "public comment period closed" in windows.window("comment_public", AFTER, public_comment_closes_at=T0).reason
    assert "government review window closed" in windows.window("comment_government", AFTER, government_review_until=T0).reason
    assert "runs until" in windows.window("finalise", BEFORE, public_comment_closes_at=T0).reason
    assert "reassigned" in windows.window("accept", AFTER, deadline_at=T0).reason


def test_a_window_never_opened_is_closed_and_a_stage_without_deadline_has_no_limit():
    assert not windows.window("comment_public", AT).open
    assert not windows.window("finalise", AT).open
    assert windows.window("submit", AT, deadline_at=None).open
    assert windows.window("respond", AT).open and windows.window("decline", AFTER, deadline_at=T0).open


def test_comment_size_counts_characters_across_languages():
    assert limits.characters({"ar": "تعليق", "fr": "abc"}) == 8
    assert limits.too_long({"ar": "ت" * 100}, 100) is None
    assert "101" in limits.too_long({"fr": "é" * 51, "en": "e" * 50}, 100)
    schema = PublicCommentSchema(max_characters=10)
    assert schema.load({"text": {"fr": "x" * 10}})["text"] == {"fr": "x" * 10}
    from marshmallow import ValidationError
    with pytest.raises(ValidationError) as refused:
        schema.load({"text": {"fr": "x" * 6, "en": "y" * 5}})
    assert "text" in refused.value.messages


def test_the_default_limits_keep_a_case_far_below_the_document_limit():
    defaults = limits.Limits.from_config({})
    assert defaults.worst_case_comment_bytes() == 300 * (2000 * 4 + 200 * 4 + 512) + 100 * (2 * 2000 * 4 + 512)
    assert defaults.worst_case_comment_bytes() < limits.MONGODB_DOCUMENT_LIMIT // 3
    with pytest.raises(ValueError, match="budget"):  # a setting that could bring a case back to 16 MB stops start-up
        limits.Limits.from_config({"PUBLIC_COMMENTS_PER_CASE": 2000, "COMMENT_MAX_CHARACTERS": 10000})
    with pytest.raises(ValueError):
        limits.Limits.from_config({"ANONYMOUS_WRITES_PER_CLIENT": 0})
    configured = limits.Limits.from_config({"ANONYMOUS_WRITES_PER_CASE": "5", "ANONYMOUS_WRITES_CASE_SECONDS": "60"})
    assert configured.per_case == ratelimit.Rate(5, 60)


def test_the_cap_says_when_a_case_is_full():
    assert limits.cap_reached("public", 2, 3) is None
    assert "3 public comments" in limits.cap_reached("public", 3, 3)


def test_gcra_admits_a_burst_of_the_limit_then_one_per_interval():
    rate = ratelimit.Rate(5, 3600)  # one per 720 s once the burst is spent
    tat, now = None, 1_000_000.0
    for _ in range(5):
        decision = ratelimit.decide(rate, tat, now)
        assert decision.admitted and decision.retry_after == 0
        tat = decision.tat
    refused = ratelimit.decide(rate, tat, now)
    assert not refused.admitted and refused.tat is None and refused.retry_after == 720
    assert not ratelimit.decide(rate, tat, now + 719).admitted
    assert ratelimit.decide(rate, tat, now + 720).admitted  # one slot back after one interval
    assert ratelimit.decide(rate, tat, now + 3600).tat == now + 3600 + 720  # fully replenished: as if never seen


def test_a_rate_needs_a_positive_limit_and_period():
    for limit, period in ((0, 60), (1, 0)):
        with pytest.raises(ValueError):
            ratelimit.Rate(limit, period)


LOOPBACK = forwarded.parse_networks(None)


def test_forwarded_for_is_believed_only_from_a_trusted_proxy():
    assert forwarded.client_address("127.0.0.1", "203.0.113.7", LOOPBACK) == "203.0.113.7"
    assert forwarded.client_address("::1", "203.0.113.7", LOOPBACK) == "203.0.113.7"
    # From anywhere else the header is the client's own claim: ignored.
    assert forwarded.client_address("198.51.100.2", "203.0.113.7", LOOPBACK) == "198.51.100.2"
    assert forwarded.client_address("127.0.0.1", None, LOOPBACK) == "127.0.0.1"
    assert forwarded.client_address("127.0.0.1", "203.0.113.7", forwarded.parse_networks("")) == "127.0.0.1"


def test_the_client_is_the_right_most_untrusted_hop():
    proxies = forwarded.parse_networks("10.0.0.0/8, 127.0.0.1")
    # The client wrote "1.2.3.4" itself; our gateway (10.0.0.5) appended the address it saw.
    assert forwarded.client_address("127.0.0.1", "1.2.3.4, 203.0.113.7, 10.0.0.5", proxies) == "203.0.113.7"
    assert forwarded.client_address("127.0.0.1", "10.0.0.9, 10.0.0.5", proxies) == "10.0.0.9"  # all trusted
    assert forwarded.client_address("127.0.0.1", "1.2.3.4, nonsense", proxies) == "127.0.0.1"  # unreadable last hop
    assert forwarded.client_address("127.0.0.1", "[2001:db8::1]:443", proxies) == "2001:db8::1"
    assert forwarded.client_address("127.0.0.1", "203.0.113.7:5000", proxies) == "203.0.113.7"
    assert forwarded.client_address("::ffff:127.0.0.1", "203.0.113.7", proxies) == "203.0.113.7"


def test_bad_trusted_proxies_stop_start_up():
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        forwarded.parse_networks("10.0.0.0/8, gateway")


def test_an_ipv6_client_is_counted_by_its_64():
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert client_key("::ffff:203.0.113.7") == "203.0.113.7" and client_key("203.0.113.7") == "203.0.113.7"
