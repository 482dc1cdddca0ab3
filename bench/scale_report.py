"""The scale bench's pure parts: summaries of repeated calls, the growth table (each read's p99 at
the largest size over its p99 at the smallest) and the plot. No I/O except the plot's file."""
from bench.stats import percentile


def summary(samples_ms) -> dict:
    """{n, p50_ms, p99_ms, max_ms} of one read's repeated calls (None where there are no samples)."""
    values = sorted(v for v in samples_ms if v is not None)
    return {"n": len(values), "p50_ms": percentile(values, 50), "p99_ms": percentile(values, 99),
            "max_ms": values[-1] if values else None}


def ratio(small, large):
    """large / small, or None when either is missing or the smaller is zero."""
    if small is None or large is None or small <= 0:
        return None
    return large / small


def growth_rows(by_size: dict, key: str = "p99_ms") -> list:
    """One row per read measured at every size: (read, {size: figure}, ratio of the largest size's figure to
    the smallest's). `by_size` is {size: {read: summary}}; reads keep the order of the smallest size."""
    sizes = sorted(by_size)
    if not sizes:
        return []
    rows = []
    for read in by_size[sizes[0]]:
        figures = {size: by_size[size].get(read, {}).get(key) for size in sizes}
        rows.append((read, figures, ratio(figures[sizes[0]], figures[sizes[-1]])))
    return rows


def _cell(value, width=9):
    if value is None:
        return f"{'-':>{width}}"
    return f"{value:>{width}.1f}" if value < 1000 else f"{value:>{width},.0f}"


def table(by_size: dict, extra_key: str = None, extra_label: str = "") -> str:
    """The printed table: per read, p50 / p99 (ms) at each size and the p99 ratio largest/smallest; a read whose
    summaries carry `extra_key` (peak memory, time to first byte) shows it at the largest size too."""
    sizes = sorted(by_size)
    if not sizes:
        return "(nothing measured)"
    width = max([len(read) for read in by_size[sizes[0]]] + [20])
    head = f"{'read':<{width}}" + "".join(f"{f'p50 @{size:,}':>12}{f'p99 @{size:,}':>12}" for size in sizes)
    head += f"{f'p99 x{sizes[-1] // max(1, sizes[0])} data':>14}"
    if extra_key:
        head += f"  {extra_label}"
    lines = [head, "-" * len(head)]
    for read, p99s, grown in growth_rows(by_size):
        line = f"{read:<{width}}"
        for size in sizes:
            found = by_size[size].get(read, {})
            line += f"{_cell(found.get('p50_ms'), 12)}{_cell(p99s[size], 12)}"
        line += f"{(f'{grown:.2f}' if grown is not None else '-'):>14}"
        if extra_key and by_size[sizes[-1]].get(read, {}).get(extra_key) is not None:
            line += f"  {by_size[sizes[-1]][read][extra_key]}"
        lines.append(line)
    return "\n".join(lines)


def plot(by_size: dict, path, title: str) -> bool:
    """p99 against size, both axes logarithmic, one line per read, written to `path` (PNG). False when
    matplotlib is not installed (it is in the dev extra)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    sizes = sorted(by_size)
    figure, axes = plt.subplots(figsize=(11, 7))
    styles = ("-", "--", ":", "-.")  # matplotlib's ten colours repeat: each ten reads get their own line style
    for number, (read, p99s, _) in enumerate(growth_rows(by_size)):
        points = [(size, p99s[size]) for size in sizes if p99s[size]]
        if points:
            axes.plot([p[0] for p in points], [p[1] for p in points], marker="o", linestyle=styles[number // 10 % 4], label=read)
    if len(sizes) > 1:  # what a read proportional to the data would do, from 10 ms at the smallest size
        axes.plot(sizes, [10.0 * size / sizes[0] for size in sizes], color="black", linewidth=3, alpha=0.25,
                  label="proportional to the data (reference)")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("published findings (20 commitments each)")
    axes.set_ylabel("p99, ms")
    axes.set_title(title)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True
