"""A point of contact's self-assessment on the government's pages, as the journeys go through it
(test_government_journey.py, test_review_journey.py): the plan's commitments imported on the import page, the
self-assessment form filled from a self-assessment in intake's shape (devtools/sample.py's)."""
import csv
import io

from tests.browser.test_evidence_upload import wait_for_state
from tests.browser.test_government_import import HEADER


def commitments_csv(assessment, language) -> str | None:
    """The CSV (OGP's columns) of `assessment`'s commitments that have a title in `language`, with that title; None
    if none has one."""
    rows = [(c["commitment_id"], assessment["member"], assessment["action_plan"]["plan_number"], c["number"],
             c["title"][language], "", "", "") for c in assessment["commitments"] if language in c["title"]]
    if not rows:
        return None
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    return HEADER + text.getvalue()


def import_commitments(page, plan, language, csv_text) -> int:
    """On the import page (open on `page`): a CSV of plan `plan`'s commitments, titled in `language`, imported with
    the page's script. How many were imported."""
    page.fill("#im-plan", str(plan))
    page.select_option("#im-language", language)
    page.set_input_files("#im-file", files=[{"name": f"plan-{plan}.csv", "mimeType": "text/csv", "buffer": csv_text.encode()}])
    page.locator("#import-button").click(no_wait_after=True)
    assert wait_for_state(page, "#import-form", ("done", "refused"), timeout=20) == "done"
    return int(page.locator("#import-result").get_attribute("data-imported"))


def fill_self_assessment(page, assessment, language):
    """The self-assessment form (open on `page`, in `language`) filled with what it holds of `assessment`: the cycle;
    each commitment's completion, its narrative in `language` and its first evidence link; the civil society's
    participation in `language`. Nothing saved or submitted."""
    page.fill("#sa-cycle", assessment["action_plan"]["cycle"])
    for commitment in assessment["commitments"]:
        commitment_id = commitment["commitment_id"]
        page.select_option(f"#completion-{commitment_id}", commitment["self_reported_completion"])
        narrative = commitment.get("narrative", {}).get(language)
        if narrative:
            page.fill(f"#narrative-{commitment_id}", narrative)
        link = next((e["url"] for e in commitment.get("evidence", []) if e.get("url")), None)
        if link:
            page.fill(f"#evidence-{commitment_id}", link)
    participation = assessment.get("co_creation", {}).get("civil_society_participation", {}).get(language)
    if participation:
        page.fill("#sa-co-creation", participation)
