"""A member's findings counted for its page: how many versions it has, and per cycle the findings in
force, their commitments and how many score on each of the four dimensions (finding.dimensions).

Why counters: the member page showed every version of a member's findings and counted their
commitments on every request, ~17 ms per finding shown (bench/FINDINGS.md, 2026-12-01). The counts
are kept instead in one summary document per member, changed in the unit of work that publishes or
withdraws a finding (`change`), so the page reads one document whatever the member's history.

A summary, as stored: {"versions": n, "cycles": {cycle_key(cycle): {"findings", "commitments", <each dimension>}}}.
A cycle every finding of which was replaced or withdrawn keeps its key with zero findings: `rows` leaves it out.
"""
from urllib.parse import quote, unquote

from services.publication.domain.finding import FOUR_DIMENSIONS, dimensions, in_force

COUNTED = ("findings", "commitments", *FOUR_DIMENSIONS)


def cycle_key(cycle: str) -> str:
    """A cycle as a field name of the summary: a cycle is free text (intake bounds its length only), and a
    field name may not hold a dot, start with "$" or be empty; percent-encoded behind a letter, it cannot."""
    return "c" + quote(cycle, safe="").replace(".", "%2E")


def cycle_of(key: str) -> str:
    return unquote(key[1:])


def tally(finding: dict) -> dict:
    """What one finding in force adds to its cycle's counts."""
    counted = dimensions(finding["commitments"])
    return {"findings": 1, "commitments": counted["commitments"], **{name: counted[name] for name in FOUR_DIMENSIONS}}


def change(added: dict, replaced: dict | None) -> dict:
    """The increments ({dotted field: amount}) a publication makes to its member's summary: `added` is the
    new version (a finding, or a withdrawal: a version not in force), `replaced` the version it supersedes
    (None for a first version). Each is a finding as stored ({"cycle", "commitments", "status", ...}) as
    it was before this publication: the replaced one counted only if it was in force."""
    increments = {"versions": 1}
    for finding, sign in ((added, 1), (replaced, -1)):
        if finding is None or not in_force(finding):
            continue
        for name, amount in tally(finding).items():
            key = f"cycles.{cycle_key(finding['cycle'])}.{name}"
            increments[key] = increments.get(key, 0) + sign * amount
    return {key: amount for key, amount in increments.items() if amount}


def summaries(findings) -> dict:
    """Every member's summary counted from all its findings (any order): {member_code: summary}, plus, under
    "member" and "languages", how its highest-positioned finding names it. What the counters start from for
    findings stored before summaries existed, and what they must always equal."""
    found = {}
    for finding in findings:
        summary = found.setdefault(finding["member_code"], {"versions": 0, "cycles": {}, "position": -1})
        summary["versions"] += 1
        if (finding.get("position") or 0) > summary["position"]:
            summary.update(position=finding.get("position") or 0, member=finding["member"], languages=finding["languages"])
        if in_force(finding):
            cycle = summary["cycles"].setdefault(cycle_key(finding["cycle"]), {name: 0 for name in COUNTED})
            for name, amount in tally(finding).items():
                cycle[name] += amount
    for summary in found.values():
        del summary["position"]
    return found


def rows(summary: dict) -> list:
    """The four dimensions per cycle of a summary, oldest cycle first ("2021-2023" < "2023-2025": by start
    year), the cycles with a finding in force only: [{"cycle", "commitments", "findings", "counts": {dimension: n}}]."""
    cycles = {cycle_of(key): counts for key, counts in (summary.get("cycles") or {}).items() if counts.get("findings", 0) > 0}
    return [{"cycle": cycle, "commitments": cycles[cycle].get("commitments", 0), "findings": cycles[cycle]["findings"],
             "counts": {name: cycles[cycle].get(name, 0) for name in FOUR_DIMENSIONS}} for cycle in sorted(cycles)]
