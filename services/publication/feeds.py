"""Feeds of published findings: Atom (RFC 4287) and JSON Feed 1.1, rendered from plain data.

One entry per case, with a stable id (`urn:irm-review:case:<case_id>`): a correction is a
new version of the finding and shows up as an *update* of the same entry (its `updated`
moves, its link points at the new version, and it links to the versions it supersedes),
which is how feed readers expect a changed item to look.
"""
import json
from xml.etree import ElementTree as ET


ATOM_NS = "http://www.w3.org/2005/Atom"
TITLE = {"en": "IRM findings", "fr": "Constats du MRI", "ar": "نتائج آلية الإبلاغ المستقلة"}


def entry_id(case_id: str) -> str:
    return f"urn:irm-review:case:{case_id}"


def _name(member: dict) -> str:
    names = member.get("names") or {}
    return names.get("en") or names.get("fr") or names.get("ar") or member["code"]


def _title(finding) -> str:
    plan = finding["action_plan"]
    text = f"{_name(finding['member'])}: findings on action plan {plan['plan_number']} ({plan['cycle']})"
    if finding.get("status") == "withdrawn":
        return f"Withdrawn: {text} (version {finding['version']})"
    return text + (f", corrected (version {finding['version']})" if finding["version"] > 1 else "")


def _summary(finding) -> str:
    s = finding["summary"]
    return (f"{s['commitments']} commitments reviewed: {s['reviewable']} verifiable, {s['promising']} promising "
            f"(substantial potential for results), {s['high_completion']} substantially or fully complete, "
            f"{s['strong_early_results']} with major or outstanding early results, {s['starred']} starred.")


def entries(latest_findings, versions_by_case) -> list:
    """Feed entries from each case's latest finding; `versions_by_case` lists earlier finding ids."""
    out = []
    for finding in latest_findings:
        out.append({
            "id": entry_id(finding["case_id"]),
            "title": _title(finding),
            "summary": _summary(finding),
            "url": finding["url"],
            "updated": finding["published_at"],
            "published": finding["first_published_at"],
            "member": finding["member"]["code"],
            "languages": finding["languages"],
            "supersedes": versions_by_case.get(finding["case_id"], []),
        })
    return out


def atom(feed_id: str, self_url: str, base_url: str, items: list, updated: str) -> bytes:
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _text(feed, "id", feed_id)
    _text(feed, "title", TITLE["en"])
    _text(feed, "updated", updated)
    ET.SubElement(feed, f"{{{ATOM_NS}}}link", rel="self", href=base_url + self_url, type="application/atom+xml")
    author = ET.SubElement(feed, f"{{{ATOM_NS}}}author")
    _text(author, "name", "Independent Reporting Mechanism (irm-review)")
    for item in items:
        entry = ET.SubElement(feed, f"{{{ATOM_NS}}}entry")
        _text(entry, "id", item["id"])
        _text(entry, "title", item["title"])
        _text(entry, "updated", item["updated"])
        _text(entry, "published", item["published"])
        # No type attribute: readers treat an untyped alternate link as the entry's page.
        ET.SubElement(entry, f"{{{ATOM_NS}}}link", rel="alternate", href=base_url + item["url"])
        for earlier in item["supersedes"]:
            ET.SubElement(entry, f"{{{ATOM_NS}}}link", rel="related", href=base_url + f"/api/v1/findings/{earlier}",
                          title="superseded version")
        ET.SubElement(entry, f"{{{ATOM_NS}}}category", term=item["member"])
        _text(entry, "summary", item["summary"])
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")


def json_feed(self_url: str, base_url: str, items: list) -> bytes:
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": TITLE["en"],
        "home_page_url": base_url + "/api/v1/findings",
        "feed_url": base_url + self_url,
        "language": "en",
        "items": [{
            "id": item["id"], "url": base_url + item["url"], "title": item["title"], "content_text": item["summary"],
            "date_published": item["published"], "date_modified": item["updated"], "tags": [item["member"]],
            "_irm": {"member": item["member"], "languages": item["languages"],
                     "supersedes": [f"{base_url}/api/v1/findings/{f}" for f in item["supersedes"]]},
        } for item in items],
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def _text(parent, tag, value):
    ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}").text = value
