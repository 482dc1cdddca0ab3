"""The government's bulk import page and its versions page in Chromium, end to end: accounts, intake and the
pages behind the gateway (tests/browser/test_government_pages.py's site), on the real broker and database.

In French, with the script: a CSV with good and bad rows is sent with its progress said, and the page then
says how many commitments were imported and lists every rejected row with its number and its reason in
French; intake holds the good rows. Without the script: an XLSX imports through the plain multipart post;
a file of the wrong type is refused next to the field (before sending with the script, by the server
without it). The versions page, after two submissions, shows what the second changed against the first,
old and new. A declared body over the limit and a cross-site post are refused before they are read. An admin
imports for the member they name (one no one has is refused next to its field). axe-core finds nothing on
either page in ar, fr and en.
"""
import http.client
import io
from urllib.parse import urlsplit

import pytest
import requests

from cli import operations
from services.accounts import documents as accounts_documents
from services.intake import documents as intake_documents
from services.intake.service import IntakeService
from services.web import government_import_forms as import_forms, i18n
from shared import edge
from shared.irm import LANGUAGES
from tests.browser.conftest import (
    PASSWORD, axe_violations, behind_the_gateway, code_for, delete_event_queues, invite, message, press_and_follow, text_of, watch,
)
from tests.browser.test_government_pages import intake_url, poc_account, sign_in, web_config  # noqa: F401 -- fixtures

pytestmark = pytest.mark.browser
PLAN = 6
HEADER = ("Commitment Unique Identifier,Country/Locality,Action Plan Number,Commitment Number,Commitment Title,Full Text,"
          "Lead Institution,Supporting Institution(s)\n")
GOOD_AND_BAD = HEADER + (
    "TN0601,TN,6,1,Publier les données budgétaires,Le portail publie.,Ministère des Finances,\n"  # row 2
    "TN0602,Maroc,6,2,Ouvrir les marchés,,,\n"  # row 3: another country
    "TN0603,TN,6,3,Registre des bénéficiaires effectifs,,INS,\n"  # row 4
    "TN0601,TN,6,4,Répété,,,\n"  # row 5: the identifier again
    "TN0605,TN,6,5,,,,\n"  # row 6: no title
    "TN0606,TN,7,6,Autre plan,,,\n"  # row 7: another plan
    "TN0607,TN,6,7,Justice ouverte,,Ministère de la Justice,\n")  # row 8
IMPORT = "/government/import"
VERSIONS = f"/government/plans/{PLAN}/versions"


@pytest.fixture
def site(container_factory, db, amqp_uri, web, gateway_port, accounts_url, intake_url):  # noqa: F811
    delete_event_queues(amqp_uri)  # a self_assessment.submitted left by an earlier module is no case here
    operations.add_member("TN", "national", {"fr": "Tunisie", "ar": "تونس"})
    accounts_documents.SignInThrottle.objects.delete()
    # The member's plans are this module's alone (an earlier module imported plan 5 and submitted it).
    for document in (intake_documents.ActionPlanCommitment, intake_documents.SelfAssessment, intake_documents.SelfAssessmentDraft):
        document.objects(member_code="TN").delete()
    with behind_the_gateway(container_factory, web, gateway_port, accounts_url, amqp_uri, db,
                            (("intake", IntakeService, intake_url),)) as base:
        yield base


def signed_in(site, context_factory, email, language, path, **options):
    page = context_factory(language, **options)
    seen = watch(page)
    poc_account(site, page, email, language)
    bare = path.split("?")[0]
    page.goto(f"{site}/{language}/sign-in?next=/{language}{bare}")
    sign_in(page, email)
    assert page.url == f"{site}/{language}{bare}"
    if bare != path:
        page.goto(f"{site}/{language}{path}")
    return page, seen


def wait_for_state(page, selector, states=("done", "refused"), timeout=20):
    for _ in range(int(timeout / 0.05)):
        page.wait_for_timeout(50)
        state = page.locator(selector).get_attribute("data-state") if page.locator(selector).count() else None
        if state in states:
            return state
    raise AssertionError(f"{selector} never reached {states}")


def stored(plan=PLAN):
    return sorted(c.commitment_id for c in intake_documents.ActionPlanCommitment.objects(member_code="TN", plan_number=plan))


def xlsx(rows) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def reason(language, code, **params):
    return message(language, import_forms.REASONS[code], **params)


def test_a_csv_with_good_and_bad_rows_imported_in_french_shows_the_count_and_every_rejected_row(site, context_factory, artifacts):
    page, seen = signed_in(site, context_factory, "poc-import-fr@example.org", "fr", "/government")
    page.click("#import-link")
    assert page.url == f"{site}/fr{IMPORT}"
    assert page.locator("#im-file").get_attribute("accept") == import_forms.ACCEPT
    page.evaluate("""() => { window.said = []; const status = document.getElementById('import-status');
        new MutationObserver(() => window.said.push(status.textContent)).observe(status, {childList: true, characterData: true, subtree: true}); }""")
    page.fill("#im-plan", str(PLAN))
    page.select_option("#im-language", "fr")
    page.set_input_files("#im-file", files=[{"name": "plan-6.csv", "mimeType": "text/csv", "buffer": GOOD_AND_BAD.encode()}])
    page.locator("#import-button").click(no_wait_after=True)
    assert wait_for_state(page, "#import-form") == "done"
    said = page.evaluate("() => window.said")
    assert message("fr", "Sent %(percent)s%%", percent=100) in said, said
    assert message("fr", "The file is sent: its rows are being imported…") in said, said
    assert page.url == f"{site}/fr{IMPORT}"  # the page stayed, its content replaced by the answer's
    summary = text_of(page, "#import-summary")
    assert "3 engagements importés." in summary and "4 lignes rejetées." in summary, summary
    rows = [[" ".join(cell.inner_text().split()) for cell in row.locator("td").all()] for row in page.locator("#rejected-rows tbody tr").all()]
    column_id, country, plan = "Commitment Unique Identifier", "Country/Locality", "Action Plan Number"
    assert rows == [
        ["3", "TN0602", reason("fr", "country", column=country, value="Maroc", member="TN")],
        ["5", "TN0601", reason("fr", "id_repeated_first", column=column_id, value="TN0601", first_row="2")],
        ["6", "TN0605", reason("fr", "required", column="Commitment Title")],
        ["7", "TN0606", reason("fr", "plan", column=plan, value="7", plan="6")],
    ], rows
    assert reason("fr", "required", column="X") != import_forms.REASONS["required"] % {"column": "X"}  # said in French
    assert stored() == ["TN0601", "TN0603", "TN0607"]
    assert intake_documents.ActionPlanCommitment.objects(commitment_id="TN0601").first().title == {"fr": "Publier les données budgétaires"}
    assert page.locator("#import-form-link").get_attribute("href") == f"/fr/government/plans/{PLAN}/self-assessment"
    page.screenshot(path=artifacts / "government-import-result-fr.png", full_page=True)
    assert axe_violations(page) == []

    # A file of another type: refused before it is sent, next to the field, in French.
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.set_input_files("#im-file", files=[{"name": "plan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}])
    page.locator("#import-button").click(no_wait_after=True)
    page.wait_for_timeout(300)
    refused = message("fr", import_forms.MESSAGES["type"])
    assert refused != import_forms.MESSAGES["type"]
    assert text_of(page, "#im-file-error") == refused and posts == []
    assert page.locator("#im-file").get_attribute("aria-invalid") == "true"
    assert "im-file-error" in page.locator("#im-file").get_attribute("aria-describedby")
    # Named .csv, a PDF inside: sent, and intake's refusal comes back next to the field, in French, the page in place.
    page.set_input_files("#im-file", files=[{"name": "plan.csv", "mimeType": "text/csv", "buffer": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj"}])
    page.locator("#import-button").click(no_wait_after=True)
    assert wait_for_state(page, "#import-form", ("refused",)) == "refused"
    assert text_of(page, "#im-file-error") == message("fr", import_forms.MESSAGES["cannot_import"]) and len(posts) == 1
    assert page.locator("#import-errors").is_visible() and page.url == f"{site}/fr{IMPORT}"
    assert stored() == ["TN0601", "TN0603", "TN0607"]
    assert page.locator("#im-plans option").evaluate_all("options => options.map(o => o.value)") == [str(PLAN)]  # the plans known
    # The dashboard now lists the plan, with its import link.
    page.goto(f"{site}/fr/government")
    assert page.locator(f"#plan-{PLAN} .plan-import-link").get_attribute("href") == f"/fr{IMPORT}?plan={PLAN}"
    assert seen["csp"] == [] and seen["foreign"] == []


def test_without_the_script_an_xlsx_imports_and_a_wrong_type_is_refused_next_to_the_field(site, context_factory, artifacts):
    page, seen = signed_in(site, context_factory, "poc-import-plain@example.org", "fr", f"{IMPORT}?plan={PLAN}",
                           java_script_enabled=False)
    assert page.locator("#im-plan").input_value() == str(PLAN)  # the dashboard's link names the plan
    assert page.locator("#im-plans option").count() == 0  # the member has no plan here yet
    workbook = xlsx([HEADER.strip().split(","),
                     ["TN0611", "Tunisie", PLAN, 1, "Données ouvertes", "", "", "INS; CNI"],
                     ["TN0612", "TN", PLAN, "deux", "Marchés", "", "", ""]])
    page.set_input_files("#im-file", files=[{"name": "plan-6.xlsx", "buffer": workbook,
                                             "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    answer = press_and_follow(page, page.locator("#import-button"))
    assert answer.status == 200
    assert page.locator("#import-result").get_attribute("data-imported") == "1"
    assert [" ".join(c.inner_text().split()) for c in page.locator("#rejected-rows tbody tr td").all()] == [
        "3", "TN0612", reason("fr", "not_whole_number", column="Commitment Number", value="deux")]
    assert stored() == ["TN0611"]
    assert intake_documents.ActionPlanCommitment.objects(commitment_id="TN0611").first().supporting_institutions == ["INS", "CNI"]

    # Named .csv but a PDF inside: intake refuses the content; the page says so next to the field, in French.
    page.set_input_files("#im-file", files=[{"name": "plan.csv", "mimeType": "text/csv", "buffer": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj"}])
    answer = press_and_follow(page, page.locator("#import-button"))
    assert answer.status == 422
    assert text_of(page, "#im-file-error") == message("fr", import_forms.MESSAGES["cannot_import"])
    # Of another type by its name: refused by the page's server before intake is asked.
    page.set_input_files("#im-file", files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"notes"}])
    answer = press_and_follow(page, page.locator("#import-button"))
    assert answer.status == 422 and text_of(page, "#im-file-error") == message("fr", import_forms.MESSAGES["type"])
    assert page.locator("#im-file").get_attribute("aria-invalid") == "true"
    assert page.locator("#import-errors").is_visible()
    page.screenshot(path=artifacts / "government-import-refused-fr.png", full_page=True)
    assert stored() == ["TN0611"] and seen["foreign"] == []


def submit(token, completion_1, narrative_1, commitments=("TN0601", "TN0603"), report=None):
    titles = {"TN0601": "Publier les données budgétaires", "TN0603": "Registre des bénéficiaires effectifs",
              "TN0607": "Justice ouverte"}
    body = {"member": "TN", "action_plan": {"cycle": "2024-2026", "plan_number": PLAN}, "commitments": [
        {"commitment_id": cid, "number": n, "title": {"fr": titles[cid]},
         "self_reported_completion": completion_1 if n == 1 else "limited",
         **({"narrative": {"fr": narrative_1}} if n == 1 and narrative_1 else {}), "evidence": []}
        for n, cid in enumerate(commitments, start=1)]}
    if report:
        body["co_creation"] = {"civil_society_participation": {"fr": report}}
    return body


def two_versions(site):
    token = operations.issue_token("poc", "poc-tn-versions", "TN")
    csv = HEADER + "TN0601,TN,6,1,Publier les données budgétaires,,,\nTN0603,TN,6,2,Registre des bénéficiaires effectifs,,,\n" \
        "TN0607,TN,6,3,Justice ouverte,,,\n"
    headers = {"Authorization": f"Bearer {token}"}
    answer = requests.post(f"{site}/api/v1/action-plans/TN/{PLAN}/commitments", files={"file": ("p.csv", csv.encode(), "text/csv")},
                           data={"language": "fr"}, headers=headers, timeout=15)
    assert answer.status_code == 200, answer.text
    for body in (submit(token, "limited", "Le portail est en ligne."),
                 submit(token, "substantial", "Le portail publie chaque trimestre.", ("TN0601", "TN0607"), "Forum trimestriel.")):
        answer = requests.post(f"{site}/api/v1/self-assessments", json=body, headers=headers, timeout=15)
        assert answer.status_code == 201, answer.text


def test_the_versions_page_after_two_submissions_shows_what_changed(site, context_factory, artifacts):
    two_versions(site)
    page, seen = signed_in(site, context_factory, "poc-versions-fr@example.org", "fr", "/government")
    page.click(f"#plan-{PLAN} .plan-versions-link")
    assert page.url == f"{site}/fr{VERSIONS}"
    assert [s.get_attribute("data-version") for s in page.locator("section.version").all()] == ["2", "1"]
    first = i18n.catalog("fr").ngettext("The first version: %(num)s commitment.", "The first version: %(num)s commitments.", 2)
    assert text_of(page, "#version-1 .version-first") == first % {"num": "2"} == "La première version : 2 engagements."
    assert "poc-tn-versions" in text_of(page, "#version-2 .version-who")
    assert text_of(page, "#time-zone-note") == message("fr", "Times are in UTC: the registry holds no time zone for your member.")
    moment = page.locator("#version-2 .version-when time").get_attribute("datetime")
    assert text_of(page, "#version-2 .version-when") == i18n.moment_in(i18n.from_iso(moment), "fr", None)  # in UTC, said "TU"
    assert "TN0607" in text_of(page, "#version-2 .version-added") and "Justice ouverte" in text_of(page, "#version-2 .version-added")
    assert "TN0603" in text_of(page, "#version-2 .version-removed")
    completion = page.locator("#version-2-TN0601 tr[data-field=self_reported_completion]")
    assert text_of(page, "#version-2-TN0601 tr[data-field=self_reported_completion] th") == message("fr", "Level of completion")
    assert completion.locator(".old-value").inner_text().strip() == message("fr", "Limited")
    assert completion.locator(".new-value").inner_text().strip() == message("fr", "Substantial")
    narrative = page.locator("#version-2-TN0601 tr[data-field=narrative]")
    assert narrative.locator(".old-value").inner_text().strip() == "Le portail est en ligne."
    assert narrative.locator(".new-value").inner_text().strip() == "Le portail publie chaque trimestre."
    report = page.locator("#version-2-co-creation tr[data-field=civil_society_participation]")
    assert report.locator(".old-value").inner_text().strip() == message("fr", "(none)")
    assert report.locator(".new-value").inner_text().strip() == "Forum trimestriel."
    assert page.locator("#version-2-co-creation tbody tr").count() == 1  # the contract's empty defaults are no change
    page.screenshot(path=artifacts / "government-versions-fr.png", full_page=True)
    assert axe_violations(page) == []
    assert seen["csp"] == [] and seen["foreign"] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_import_and_versions_pages_are_accessible_in_each_language(site, context_factory, artifacts, language):
    two_versions(site)
    page, seen = signed_in(site, context_factory, f"poc-import-a11y-{language}@example.org", language, IMPORT)
    assert page.locator("html").get_attribute("lang") == language
    assert axe_violations(page) == []
    page.fill("#im-plan", str(PLAN))
    page.set_input_files("#im-file", files=[{"name": "plan.csv", "mimeType": "text/csv", "buffer": GOOD_AND_BAD.encode()}])
    page.locator("#import-button").click(no_wait_after=True)
    assert wait_for_state(page, "#import-form") == "done"
    assert page.locator("#rejected-rows tbody tr").count() == 4
    assert axe_violations(page) == []
    page.screenshot(path=artifacts / f"government-import-{language}.png", full_page=True)
    page.set_input_files("#im-file", files=[{"name": "x.txt", "mimeType": "text/plain", "buffer": b"x"}])
    page.locator("#import-button").click(no_wait_after=True)
    page.wait_for_timeout(200)
    assert page.locator("#im-file-error").is_visible()
    assert axe_violations(page) == []
    page.goto(f"{site}/{language}{VERSIONS}")
    assert page.locator("section.version").count() == 2
    assert axe_violations(page) == []
    page.screenshot(path=artifacts / f"government-versions-{language}.png", full_page=True)
    assert seen["csp"] == [] and seen["foreign"] == []


def post_without_body(web, path, **headers):
    """A multipart post declared as `headers` say, its body never sent: the answer comes before any is read."""
    target = urlsplit(web)
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=15)
    connection.putrequest("POST", path)
    for name, value in {"Content-Type": "multipart/form-data; boundary=x", **headers}.items():
        connection.putheader(name, value)
    connection.endheaders()
    answer = connection.getresponse()
    page = answer.read().decode()
    connection.close()
    return answer.status, page


def test_a_declared_body_over_the_limit_and_a_cross_site_post_are_refused_before_they_are_read(site, web):
    status, page = post_without_body(web, f"/fr{IMPORT}", **{
        "Content-Length": str(edge.upload_body_max_bytes(edge.EVIDENCE_MAX_BYTES) + 1), "Sec-Fetch-Site": "same-origin"})
    assert status == 413 and 'data-reason="file_too_large"' in page and 'lang="fr"' in page
    assert message("fr", "This file is larger than %(megabytes)s MB, the limit for a spreadsheet. Nothing was imported.",
                   megabytes="20") in page
    assert f'href="/fr{IMPORT}"' in page
    status, page = post_without_body(web, f"/fr{IMPORT}", **{"Content-Length": "100", "Sec-Fetch-Site": "cross-site"})
    assert status == 403 and 'data-reason="forged"' in page
    assert stored() == []


def test_an_admin_imports_for_the_member_they_name(site, context_factory):
    email = "admin-import@example.org"
    invitation = invite(site, email=email, role="admin", language="en")
    page = context_factory("en", java_script_enabled=False)
    page.goto(invitation["link"])
    page.fill("#i-password", PASSWORD)
    press_and_follow(page, page.locator("#set-password"))
    secret = page.locator("#totp-secret").inner_text().strip()
    page.fill("#t-code", code_for(secret, -30))  # the step before: the one now is left for signing in
    press_and_follow(page, page.locator("#confirm-code"))
    assert page.locator("#account-ready").is_visible()
    page.goto(f"{site}/en/sign-in?next=/en{IMPORT}")
    page.fill("#s-email", email)
    page.fill("#s-password", PASSWORD)
    page.fill("#s-code", code_for(secret))
    press_and_follow(page, page.locator("#sign-in-button"))
    assert page.url == f"{site}/en{IMPORT}"
    assert page.locator("#import-commitments-link").get_attribute("aria-current") == "page"
    # a member no one has: said next to its field, nothing imported
    page.fill("#im-member", "ZZ")
    page.fill("#im-plan", str(PLAN))
    page.set_input_files("#im-file", files=[{"name": "plan.csv", "mimeType": "text/csv", "buffer": GOOD_AND_BAD.encode()}])
    answer = press_and_follow(page, page.locator("#import-button"))
    assert answer.status == 422 and text_of(page, "#im-member-error") == import_forms.MESSAGES["unknown_member"]
    page.fill("#im-member", "TN")
    page.set_input_files("#im-file", files=[{"name": "plan.csv", "mimeType": "text/csv", "buffer": GOOD_AND_BAD.encode()}])
    answer = press_and_follow(page, page.locator("#import-button"))
    assert answer.status == 200 and page.locator("#import-result").get_attribute("data-imported") == "3"
    assert "Member TN, action plan 6." in text_of(page, "#import-summary")
    assert page.locator("#rejected-rows tbody tr").count() == 4 and stored() == ["TN0601", "TN0603", "TN0607"]
