"""Small statistics helpers (no numpy)."""
from datetime import datetime


def percentile(sorted_values, p):
    """Linear-interpolated percentile of an already sorted list; None when empty."""
    if not sorted_values:
        return None
    if len(sorted_values) == 1:
        return sorted_values[0]
    rank = (len(sorted_values) - 1) * p / 100.0
    low = int(rank)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low)


def summary_ms(values_ms):
    values = sorted(v for v in values_ms if v is not None)
    return {"count": len(values), "p50_ms": percentile(values, 50), "p95_ms": percentile(values, 95),
            "p99_ms": percentile(values, 99), "max_ms": values[-1] if values else None,
            "mean_ms": sum(values) / len(values) if values else None}


def parse_iso(text: str) -> datetime:
    """The audit trail's `occurred_at` ('2025-01-02T03:04:05.678Z') as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
