"""The scale bench's pure parts (bench/scale_report.py): summaries of repeated calls, the growth ratio and the table."""
from bench import scale_report
import pytest

from bench.scale import approved_payload, wait_for_consumers, wait_until_drained


def test_summary_percentiles_interpolate_over_the_sorted_samples():
    found = scale_report.summary([5.0, 1.0, 3.0, 2.0, 4.0, None])
    assert found["n"] == 5
    assert found["p50_ms"] == 3.0
    assert found["p99_ms"] == 4.96  # between the 4th and the 5th sample: 4 + 0.96
    assert found["max_ms"] == 5.0


def test_summary_of_one_sample_and_of_none():
    assert scale_report.summary([7.5]) == {"n": 1, "p50_ms": 7.5, "p99_ms": 7.5, "max_ms": 7.5}
    assert scale_report.summary([]) == {"n": 0, "p50_ms": None, "p99_ms": None, "max_ms": None}


def test_ratio_is_largest_over_smallest_and_none_when_it_cannot_be_had():
    assert scale_report.ratio(2.0, 5.0) == 2.5
    assert scale_report.ratio(None, 5.0) is None
    assert scale_report.ratio(2.0, None) is None
    assert scale_report.ratio(0.0, 5.0) is None


def test_growth_rows_compare_the_largest_size_with_the_smallest_whatever_the_order_given():
    by_size = {1000: {"list": {"p99_ms": 30.0}, "finding": {"p99_ms": 4.0}},
               100: {"list": {"p99_ms": 10.0}, "finding": {"p99_ms": 5.0}},
               500: {"list": {"p99_ms": 20.0}}}
    rows = scale_report.growth_rows(by_size)
    assert rows[0] == ("list", {100: 10.0, 500: 20.0, 1000: 30.0}, 3.0)
    assert rows[1] == ("finding", {100: 5.0, 500: None, 1000: 4.0}, 0.8)
    assert scale_report.growth_rows({}) == []


def test_table_shows_each_size_and_the_ratio_and_the_extra_figure_at_the_largest_size():
    by_size = {100: {"open data CSV: total": {"p50_ms": 50.0, "p99_ms": 60.0}},
               1000: {"open data CSV: total": {"p50_ms": 500.0, "p99_ms": 1500.0, "memory": "peak 120 MB"}}}
    text = scale_report.table(by_size, extra_key="memory", extra_label="memory")
    head, rule, row = text.splitlines()
    assert "p99 @100" in head and "p99 @1,000" in head and "x10 data" in head
    assert set(rule) == {"-"}
    assert row.split()[4:9] == ["50.0", "60.0", "500.0", "1,500", "25.00"]
    assert row.endswith("peak 120 MB")
    assert scale_report.table({}) == "(nothing measured)"


def test_plot_writes_a_png(tmp_path):
    by_size = {100: {"list": {"p99_ms": 10.0}}, 1000: {"list": {"p99_ms": 30.0}}}
    path = tmp_path / "scale.png"
    if scale_report.plot(by_size, path, "test"):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_seeded_payload_passes_the_events_contract_with_twenty_commitments():
    payload = approved_payload(7)
    assert payload["case_id"] == "case_scale_00007"
    assert len(payload["commitments"]) == 20
    assert payload["member"]["code"] == "CA"  # bench/cases.py: case 7's member


def test_a_drain_is_waited_for_as_long_as_it_goes_down_and_given_up_when_it_stops():
    backlog = iter([5, 4, 4, 2, 0])
    wait_until_drained(lambda: next(backlog), "a backlog", stall=5)  # returns: it reached 0
    with pytest.raises(RuntimeError, match="still 3 after 0.2 s without progress"):
        wait_until_drained(lambda: 3, "a backlog", stall=0.2)


class FakeBroker:
    """The bench's Infrastructure as wait_for_consumers reads it: each reading of the queues is the next one given."""

    def __init__(self, *readings):
        self.readings = list(readings)

    def queued_messages(self):
        return self.readings.pop(0) if len(self.readings) > 1 else self.readings[0]


def test_the_reads_wait_for_the_consumers_and_say_what_was_parked_without_waiting_for_it():
    broker = FakeBroker({"evt-a": 3, "irm.retry.1000ms": 2, "irm.dead-letters": 4},
                        {"evt-a": 1, "irm.retry.1000ms": 1, "irm.dead-letters": 4},
                        {"evt-a": 0, "irm.retry.1000ms": 0, "irm.dead-letters": 5})
    assert wait_for_consumers(broker) == {"_queued_when_measured": 0, "_parked": 5}


def test_a_broker_whose_queues_cannot_be_read_is_measured_without_waiting():
    assert wait_for_consumers(FakeBroker(None)) == {"_queued_when_measured": None, "_parked": None}
