"""Paging by position (services/publication/paging.py): windows, the scan budget, cursors."""
import pytest

from services.publication import paging
from shared.http import Unprocessable


class Store:
    """Positions 1..top; `matching` says which positions the filter keeps. Records each window read."""

    def __init__(self, top, matching=lambda position: True):
        self.top, self.matching, self.windows = top, matching, []

    def read(self, lo, hi):
        self.windows.append((lo, hi))
        return [p for p in range(hi, lo, -1) if self.matching(p)]

    def collect(self, want, top=None, first_window=None, budget=None):
        return paging.collect(self.read, self.top if top is None else top, want, first_window or want + 1,
                              position=lambda p: p, budget=budget)


def test_a_dense_list_reads_one_window_of_the_page_and_one_more():
    store = Store(10_000)
    items, before = store.collect(20)
    assert items == list(range(10_000, 9_980, -1))
    assert before == 9_981  # the next page starts below the last item shown
    assert store.windows == [(9_979, 10_000)]


def test_the_next_page_continues_below_the_cursor_without_gap_or_repeat():
    store = Store(100)
    first, before = store.collect(20)
    second, _ = store.collect(20, top=before - 1)
    assert second == list(range(80, 60, -1)) and first[-1] == 81


def test_windows_double_until_the_page_is_full():
    store = Store(10_000, matching=lambda p: p % 10 == 0)
    items, before = store.collect(5, first_window=6)
    assert items == [10_000, 9_990, 9_980, 9_970, 9_960]
    assert [hi - lo for lo, hi in store.windows] == [6, 12, 24, 48]
    assert before == 9_960


def test_the_last_page_says_nothing_is_left():
    store = Store(30)
    items, before = store.collect(20, top=15)
    assert items == list(range(15, 0, -1)) and before is None
    assert store.windows[-1][0] == 0  # read down to the first position, not below


def test_a_page_holding_exactly_what_is_left_has_no_next_page():
    items, before = Store(20).collect(20)
    assert len(items) == 20 and before is None


def test_the_budget_bounds_the_positions_read_and_the_cursor_resumes_where_the_read_stopped():
    store = Store(10_000, matching=lambda p: p in (9_990, 3))
    items, before = store.collect(20, budget=100)
    assert items == [9_990]
    read = sum(hi - lo for lo, hi in store.windows)
    assert 100 <= read < 200
    assert before == store.windows[-1][0] + 1
    resumed, _ = Store(10_000, matching=store.matching).collect(20, top=before - 1, budget=100)
    assert 9_990 not in resumed  # nothing read twice


def test_without_a_budget_a_rare_match_is_found_at_the_bottom():
    items, before = Store(10_000, matching=lambda p: p == 3).collect(20)
    assert items == [3] and before is None


def test_an_empty_list_reads_nothing():
    store = Store(0)
    assert store.collect(20) == ([], None) and store.windows == []


def test_a_cursor_names_the_position_to_continue_below():
    assert paging.decode_cursor(paging.encode_cursor(9_981)) == ("before", 9_981)


def test_a_cursor_of_the_earlier_format_names_the_last_finding_seen():
    import base64
    import json

    earlier = base64.urlsafe_b64encode(json.dumps(["2026-11-30T10:00:00.000Z", "fnd_1"]).encode()).decode().rstrip("=")
    assert paging.decode_cursor(earlier) == ("after", "fnd_1")


@pytest.mark.parametrize("cursor", ["", "not base64 !", "bnVsbA", paging.encode_cursor(0), "eyJiZWZvcmUiOiAiMyJ9"])
def test_a_cursor_this_api_did_not_give_is_refused(cursor):
    with pytest.raises(Unprocessable):
        paging.decode_cursor(cursor)
