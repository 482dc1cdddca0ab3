"""The member page's pure parts: the four dimensions counted from a finding's commitments
(publication's rule), the page made from the member's summary (counted per cycle: test_member_summary.py), and the chart's geometry: scales, bars, labels in the
locale, empty data, one cycle, and the cycle axis mirrored in Arabic."""
import pytest

from services.publication.domain import member_summary
from services.publication.domain.finding import FOUR_DIMENSIONS, dimensions, in_force
from services.web import chart, views

LENS_ALL = {"transparency": True, "participation": True, "accountability": True}


def commitment(verifiability="verifiable", lens=None, potential="modest"):
    ratings = {"verifiability": {"value": verifiability}}
    if verifiability == "verifiable":
        ratings["open_government_lens"] = {"value": lens or {}}
        ratings["potential_for_results"] = {"value": potential}
    return {"commitment_id": "X", "ratings": ratings}


def row(cycle, total, transparency=0, participation=0, accountability=0, ambition=0):
    return {"cycle": cycle, "commitments": total, "counts": {"transparency": transparency, "participation": participation,
                                                            "accountability": accountability, "ambition": ambition}}


# --- the four dimensions ----------------------------------------------------------------------------
def test_the_four_dimensions_are_the_lens_values_and_ambition():
    assert FOUR_DIMENSIONS == ("transparency", "participation", "accountability", "ambition")


def test_dimensions_count_each_lens_value_and_ambition_out_of_every_commitment():
    counted = dimensions([commitment(lens={"transparency": True}, potential="substantial"),
                          commitment(lens={"transparency": True, "participation": True, "accountability": False}),
                          commitment(lens={}),
                          commitment("not_verifiable")])
    assert counted == {"commitments": 4, "transparency": 2, "participation": 1, "accountability": 0, "ambition": 1}
    assert dimensions([]) == {"commitments": 0, "transparency": 0, "participation": 0, "accountability": 0, "ambition": 0}


def test_a_not_verifiable_commitment_counts_on_no_dimension_even_if_its_stored_ratings_say_so():
    stray = {"ratings": {"verifiability": {"value": "not_verifiable"}, "open_government_lens": {"value": LENS_ALL},
                         "potential_for_results": {"value": "substantial"}}}
    assert dimensions([stray]) == {"commitments": 1, "transparency": 0, "participation": 0, "accountability": 0, "ambition": 0}


def test_a_finding_is_in_force_unless_withdrawn_or_replaced():
    assert in_force({"status": "published", "superseded_by": None})
    assert not in_force({"status": "withdrawn", "superseded_by": None})
    assert not in_force({"status": "published", "superseded_by": "fnd_2"})


def listed(finding_id, cycle, published_at, status="published", superseded_by=None, version=1, plan=5):
    """A finding as the API lists it (publication's summary view)."""
    return {"id": finding_id, "member": {"code": "TN", "kind": "national", "names": {"fr": "Tunisie", "ar": "تونس"}},
            "languages": ["fr"], "action_plan": {"cycle": cycle, "plan_number": plan}, "version": version,
            "status": status, "superseded_by": superseded_by, "published_at": published_at,
            "summary": {"commitments": 1, "starred": 0}}


def summary_of(stored):
    """The member's summary counted from its findings as stored (what the counters equal)."""
    return member_summary.summaries([{"member_code": "TN", "member": {"code": "TN", "kind": "national", "names": {"fr": "Tunisie"}},
                                      "languages": ["fr"], "position": n, **f} for n, f in enumerate(stored, 1)])["TN"]


def test_the_member_page_lists_its_page_of_versions_with_what_each_is_now_and_tables_the_summary():
    findings = [listed("f2", "2023-2025", "2026-01-02T00:00:00.000Z", version=2, status="withdrawn"),
                listed("f1", "2023-2025", "2026-01-01T00:00:00.000Z", superseded_by="f2"),
                listed("f0", "2021-2023", "2025-01-01T00:00:00.000Z")]
    summary = summary_of([
        {"cycle": "2021-2023", "commitments": [commitment(lens={"transparency": True}), commitment(lens={}), commitment("not_verifiable")],
         "status": "published", "superseded_by": None},
        {"cycle": "2023-2025", "commitments": [commitment(lens={"transparency": True})], "status": "published", "superseded_by": "f2"},
        {"cycle": "2023-2025", "commitments": [commitment(lens={"transparency": True})], "status": "withdrawn", "superseded_by": None}])
    page = views.member_page({"summary": summary, "findings": findings, "next": None}, "fr")
    assert page["member"] == {"code": "TN", "kind": "national", "name": {"text": "Tunisie", "lang": None}}
    assert [(f["id"], f["status"], f["href"]) for f in page["findings"]] == [
        ("f2", "withdrawn", "/fr/findings/f2"), ("f1", "superseded", "/fr/findings/f1"), ("f0", "published", "/fr/findings/f0")]
    assert [(r["cycle"], r["commitments"], [(c["dimension"], c["count"], c["share_text"]) for c in r["cells"]])
            for r in page["table"]] == [("2021-2023", 3, [("transparency", 1, "33\xa0%"), ("participation", 0, "0\xa0%"),
                                                         ("accountability", 0, "0\xa0%"), ("ambition", 0, "0\xa0%")])]
    assert [g["cycle"] for g in page["chart"]["groups"]] == ["2021-2023"]
    assert page["cycles"] == {"count": 1, "first": "2021-2023", "last": "2021-2023"} and page["versions"] == 3
    assert page["links"]["json"] == "/api/v1/findings?member=TN&all_versions=true&limit=100"
    assert page["member_href"] == "/fr/members/TN" and page["next_href"] is None
    next_href = views.member_next_href("TN", "eyJiZWZvcmUiOjN9", "en")
    assert next_href == "/en/members/TN?cursor=eyJiZWZvcmUiOjN9" and views.member_next_href("TN", None, "en") is None
    english = views.member_page({"summary": summary, "findings": findings, "next": "eyJiZWZvcmUiOjN9"}, "en", next_href)
    assert english["member"]["name"] == {"text": "Tunisie", "lang": "fr"} and english["next_href"] == next_href  # no English name


def test_a_member_whose_findings_are_all_withdrawn_or_replaced_has_nothing_to_chart():
    findings = [listed("f1", "2023-2025", "2026-01-02T00:00:00.000Z", status="withdrawn"),
                listed("f0", "2023-2025", "2026-01-01T00:00:00.000Z", superseded_by="f1")]
    summary = summary_of([{"cycle": "2023-2025", "commitments": [commitment()], "status": "published", "superseded_by": "f1"},
                          {"cycle": "2023-2025", "commitments": [commitment()], "status": "withdrawn", "superseded_by": None}])
    page = views.member_page({"summary": summary, "findings": findings, "next": None}, "ar")
    assert page["chart"] is None and page["table"] == [] and page["cycles"]["count"] == 0
    assert len(page["findings"]) == 2 and page["versions"] == 2


@pytest.mark.parametrize("code,valid", [("TN", True), ("MA-BMK", True), ("tn", False), ("T", False), ("TN/../x", False),
                                        ("<b>", False), ("A" * 33, False)])
def test_only_codes_spelled_as_member_codes_are_looked_up(code, valid):
    assert views.is_member_code(code) is valid


# --- the chart's geometry ---------------------------------------------------------------------------
def test_no_rows_no_chart():
    assert chart.dimension_chart([], "en") is None


def test_bars_are_shares_of_the_cycle_on_a_zero_to_hundred_percent_scale():
    drawn = chart.dimension_chart([row("2023-2025", 4, transparency=4, participation=2, accountability=1, ambition=0)], "en")
    bars = {bar["dimension"]: bar for bar in drawn["groups"][0]["bars"]}
    assert [bar["dimension"] for bar in drawn["groups"][0]["bars"]] == list(FOUR_DIMENSIONS)
    baseline = drawn["baseline"]
    assert baseline == chart.TOP_SPACE + chart.PLOT_HEIGHT
    for dimension, fraction in (("transparency", 1), ("participation", 0.5), ("accountability", 0.25), ("ambition", 0)):
        bar = bars[dimension]
        assert bar["share"] == fraction
        assert bar["height"] == chart.PLOT_HEIGHT * fraction
        assert bar["y"] + bar["height"] == baseline  # every bar stands on the baseline
        assert bar["label_y"] < bar["y"]  # its value just above it
    assert bars["transparency"]["y"] == chart.TOP_SPACE  # a full bar reaches the top of the plot
    assert [bar["label"] for bar in drawn["groups"][0]["bars"]] == ["100%", "50%", "25%", "0%"]
    assert [bar["count"] for bar in drawn["groups"][0]["bars"]] == [4, 2, 1, 0]


def test_the_y_axis_has_ticks_every_quarter_labelled_in_the_locale():
    for language, labels in (("en", ["0%", "25%", "50%", "75%", "100%"]), ("fr", ["0\xa0%", "25\xa0%", "50\xa0%", "75\xa0%", "100\xa0%"]),
                             ("ar", ["0%", "25%", "50%", "75%", "100%"])):
        drawn = chart.dimension_chart([row("2023-2025", 2, transparency=1)], language)
        assert [tick["label"] for tick in drawn["ticks"]] == labels
        assert [tick["y"] for tick in drawn["ticks"]] == [268, 208, 148, 88, 28]


def test_bar_labels_are_formatted_in_the_locale_and_rounded_to_whole_percents():
    french = chart.dimension_chart([row("2023-2025", 3, transparency=2, participation=1)], "fr")
    assert [bar["label"] for bar in french["groups"][0]["bars"]] == ["67\xa0%", "33\xa0%", "0\xa0%", "0\xa0%"]


def test_a_cycle_with_no_commitment_draws_empty_bars_rather_than_dividing_by_zero():
    drawn = chart.dimension_chart([row("2023-2025", 0)], "en")
    assert [(bar["share"], bar["height"]) for bar in drawn["groups"][0]["bars"]] == [(0.0, 0)] * 4


def test_one_cycle_is_one_group_inside_the_plot_and_the_canvas_fits_it():
    drawn = chart.dimension_chart([row("2023-2025", 2, transparency=1)], "en")
    assert len(drawn["groups"]) == 1
    bars = drawn["groups"][0]["bars"]
    plot_start, plot_end = drawn["ticks"][0]["x1"], drawn["ticks"][0]["x2"]
    assert plot_start < bars[0]["x"] and bars[-1]["x"] + bars[-1]["width"] < plot_end <= drawn["width"]
    assert drawn["view_box"] == f"0 0 {drawn['width']} {drawn['height']}"
    assert drawn["groups"][0]["label_x"] == (bars[0]["x"] + bars[-1]["x"] + bars[-1]["width"]) / 2  # the cycle under its bars


def test_cycles_read_in_order_without_overlapping_and_the_canvas_grows_with_them():
    rows = [row(f"{2015 + 2 * i}-{2017 + 2 * i}", 2, transparency=1) for i in range(4)]
    drawn = chart.dimension_chart(rows, "en")
    assert [g["cycle"] for g in drawn["groups"]] == [r["cycle"] for r in rows]
    rects = [(bar["x"], bar["x"] + bar["width"]) for group in drawn["groups"] for bar in group["bars"]]
    assert all(end < next_start for (_, end), (next_start, _) in zip(rects, rects[1:]))  # left to right, apart
    assert drawn["width"] > chart.dimension_chart(rows[:2], "en")["width"]
    assert all(0 <= start and end <= drawn["width"] for start, end in rects)


def test_in_arabic_the_cycle_axis_reads_right_to_left_every_x_mirrored():
    rows = [row("2021-2023", 3, transparency=1, accountability=2), row("2023-2025", 3, transparency=2, participation=1, ambition=1)]
    ltr, rtl = chart.dimension_chart(rows, "en"), chart.dimension_chart(rows, "ar")
    assert rtl["rtl"] is True and ltr["rtl"] is False and rtl["width"] == ltr["width"]
    width = ltr["width"]
    assert rtl["groups"][0]["label_x"] > rtl["groups"][1]["label_x"]  # the oldest cycle on the right
    for left_group, right_group in zip(ltr["groups"], rtl["groups"]):
        assert right_group["label_x"] == width - left_group["label_x"]
        for a, b in zip(left_group["bars"], right_group["bars"]):
            assert b["x"] == width - a["x"] - a["width"] and (b["y"], b["height"]) == (a["y"], a["height"])
            assert b["label_x"] == width - a["label_x"]
    assert [t["anchor"] for t in ltr["ticks"]] == ["end"] * 5 and [t["anchor"] for t in rtl["ticks"]] == ["start"] * 5
    assert rtl["ticks"][0]["label_x"] == width - ltr["ticks"][0]["label_x"] > rtl["ticks"][0]["x1"]  # the axis on the right
    assert chart.dimension_chart(rows, "fr", rtl=True)["groups"][0]["label_x"] == rtl["groups"][0]["label_x"]


def test_coordinates_are_short_numbers():
    drawn = chart.dimension_chart([row("2023-2025", 7, transparency=1)], "en")
    bar = drawn["groups"][0]["bars"][0]
    assert bar["height"] == 34.29 and isinstance(drawn["width"], int)  # 240 / 7, to two decimals
