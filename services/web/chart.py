"""The member page's chart: the four dimensions compared across cycles, as plain geometry.

Pure (no nameko, no database, no markup): the template draws what this computes, so the
chart is inline SVG sent with the page, with no script and no inline style (the colours are
CSS classes of static/site.css). One group of four bars per cycle, oldest cycle first in the
reading direction: in Arabic the cycle axis reads right to left, so every x is mirrored.

Each bar is the share of a cycle's commitments that scores on its dimension (0 to 100 %);
the template's text alternative and data table give the same numbers.

Coordinates are absolute user units of the SVG's viewBox; the SVG is drawn with
`direction="ltr"` so that `text-anchor` means the same in every language (the mirroring is
done here, once).
"""
from services.publication.domain.finding import FOUR_DIMENSIONS

from services.web import i18n

BAR_WIDTH = 36
BAR_GAP = 6
GROUP_GAP = 36
AXIS_SPACE = 60  # the y axis' labels ("100 %")
END_SPACE = 12
TOP_SPACE = 28  # a full bar's value label sits above the plot
PLOT_HEIGHT = 240
CYCLE_LABEL_SPACE = 36
TICKS = (0, 0.25, 0.5, 0.75, 1)
GROUP_WIDTH = len(FOUR_DIMENSIONS) * BAR_WIDTH + (len(FOUR_DIMENSIONS) - 1) * BAR_GAP


def share(count: int, total: int) -> float:
    """count out of total, 0 when there is nothing to count."""
    return count / total if total else 0.0


def dimension_chart(rows: list, language: str, rtl: bool | None = None) -> dict | None:
    """The chart of `rows` (oldest cycle first: [{"cycle", "commitments", "counts": {dimension:
    count}}]), None when there is no row. `rtl` defaults to the language's direction."""
    if not rows:
        return None
    if rtl is None:
        rtl = i18n.direction(language) == "rtl"
    plot_width = len(rows) * GROUP_WIDTH + (len(rows) + 1) * GROUP_GAP
    width = AXIS_SPACE + plot_width + END_SPACE
    height = TOP_SPACE + PLOT_HEIGHT + CYCLE_LABEL_SPACE
    baseline = TOP_SPACE + PLOT_HEIGHT

    def x(value):  # a point
        return _round(width - value if rtl else value)

    def span(start, size):  # a rectangle's x, given its start in reading order
        return _round(width - start - size if rtl else start)

    def y(fraction):
        return _round(baseline - PLOT_HEIGHT * fraction)

    ticks = [{"fraction": tick, "y": y(tick), "x1": x(AXIS_SPACE), "x2": x(AXIS_SPACE + plot_width),
              "label": i18n.percent(tick, language), "label_x": x(AXIS_SPACE - 8), "label_y": _round(y(tick) + 5),
              "anchor": "start" if rtl else "end"} for tick in TICKS]
    groups = []
    for index, row in enumerate(rows):
        start = AXIS_SPACE + GROUP_GAP + index * (GROUP_WIDTH + GROUP_GAP)
        bars = []
        for position, dimension in enumerate(FOUR_DIMENSIONS):
            count = row["counts"].get(dimension, 0)
            fraction = share(count, row["commitments"])
            bar_start = start + position * (BAR_WIDTH + BAR_GAP)
            bars.append({"dimension": dimension, "count": count, "share": fraction,
                         "x": span(bar_start, BAR_WIDTH), "y": y(fraction), "width": BAR_WIDTH,
                         "height": _round(PLOT_HEIGHT * fraction),
                         "label": i18n.percent(fraction, language), "label_x": x(bar_start + BAR_WIDTH / 2),
                         "label_y": _round(y(fraction) - 6)})
        groups.append({"cycle": row["cycle"], "commitments": row["commitments"], "bars": bars,
                       "labels": {bar["dimension"]: bar["label"] for bar in bars},
                       "label_x": x(start + GROUP_WIDTH / 2), "label_y": baseline + 24})
    return {"width": width, "height": height, "view_box": f"0 0 {width} {height}", "rtl": rtl,
            "ticks": ticks, "groups": groups, "baseline": baseline}


def _round(value: float):
    """Coordinates to two decimals, whole numbers as ints (a shorter page, stable tests)."""
    rounded = round(value, 2)
    return int(rounded) if rounded == int(rounded) else rounded
