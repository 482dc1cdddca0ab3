"""A government point of contact's whole journey in Chromium, end to end: accounts, intake, review, publication,
mail and the pages behind the gateway (one origin, as in production), on the real broker and database, with a real
SMTP server (devtools/mailbox.py in a process of its own, as tests/integration/test_mail.py runs it).

The first admin, invited with the operator's command (irmctl account invite-admin: operations.invite_first_admin),
sets a password and the second factor from the link it prints, and invites the PoC from the people page
(/en/operator/people). The invitation arrives at the SMTP server; its link, opened in the browser, sets the password
and a TOTP second factor the PoC asks for (the codes computed with accounts' own TOTP from the secret the page shows).
Signed in, in Arabic, the PoC imports the plan's commitments from a CSV on the import page, fills the
self-assessment form, uploads a PDF, saves, signs out, signs in again and finds the draft resumed, then submits with
a double click on the button: one self-assessment version. Review assigns the case to the one expert of the registry
(self_assessment.submitted), whose account is bound to that entry: their mail arrives. The expert's and the quality
reviewer's steps go through review's API (their pages are tested on their own). In the government's window the PoC
comments on the draft in Arabic; the expert answers, opens public comment and finalises through the API; the PoC's
dashboard follows each stage to published, and the public finding page is there.

Timing comes from review's settings: a 30 s government window (long enough to comment in, short enough to wait out)
and a 2 s public comment period.
"""
import pytest

from cli import operations
from devtools import sample
from devtools.ports import free_port
from services.accounts import documents as accounts_documents
from services.intake import documents as intake_documents
from services.intake.service import IntakeService
from services.mail import documents as mail_documents
from services.mail.service import MailService
from services.publication import documents as publication_documents
from services.publication.service import PublicationService
from services.review import documents as review_documents
from services.review.service import ReviewService
from services.web import government_views
from shared.persistence.documents import Person
from tests.browser.conftest import (
    PASSWORD, axe_violations, behind_the_gateway, code_for, delete_event_queues, first_admin_signed_in, invited_on_the_people_page,
    mail_to, message, plain, press_and_follow, text_of, watch,
)
from tests.browser.self_assessment import fill_self_assessment, import_commitments
from tests.browser.test_evidence_upload import minimal_pdf, wait_for_state
from tests.browser.test_government_import import HEADER
from tests.integration.conftest import rate_and_submit, wait_until
from tests.integration.test_mail import activated
from tests.integration.test_review import Review

pytestmark = pytest.mark.browser
PLAN = 5
FORM = f"/ar/government/plans/{PLAN}/self-assessment"
EXPERT = "exp-journey"
POC_EMAIL = "rania.poc@example.org"
ADMIN_EMAIL = "journey.admin@example.org"
EXPERT_EMAIL = "amal.journey@example.org"
GOVERNMENT_REVIEW_SECONDS = 30
CSV = HEADER + (
    "TN0501,TN,5,1,نشر بيانات الميزانية المفتوحة,تنشر البوابة بيانات الميزانية.,وزارة المالية,\n"
    "TN0502,TN,5,2,إشراك المجتمع المدني في الصفقات العمومية,,الهيئة العليا للطلب العمومي,\n"
    "TN0503,TN,5,3,سجل المستفيدين الحقيقيين,,المعهد الوطني للإحصاء,\n")
COMMITMENTS = ("TN0501", "TN0502", "TN0503")  # sample.RATINGS rates each
NARRATIVE = "تنشر البوابة بيانات الميزانية كل ثلاثة أشهر منذ عام 2024."
ANSWERS = {"action_plan": {"cycle": "2023-2025", "plan_number": PLAN},  # what the PoC fills in, in intake's shape
           "commitments": [{"commitment_id": "TN0501", "self_reported_completion": "substantial", "narrative": {"ar": NARRATIVE},
                            "evidence": [{"url": "https://budget.example.tn/portail"}]},
                           {"commitment_id": "TN0502", "self_reported_completion": "limited"},
                           {"commitment_id": "TN0503", "self_reported_completion": "not_started"}],
           "co_creation": {"civil_society_participation": {"ar": "اجتمع المنتدى متعدد الأطراف كل ثلاثة أشهر."}}}
COMMENT = "نُشرت البيانات الشهرية أيضًا منذ مارس 2025، لا الفصلية فقط."


def url(port):
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def urls():
    return {name: url(free_port()) for name in ("intake", "review", "publication", "mail")}


@pytest.fixture
def web_config(web_config, gateway_port, accounts_url, urls):
    return {**web_config, "ACCOUNTS_URL": accounts_url, "INTAKE_URL": urls["intake"], "REVIEW_URL": urls["review"],
            "PUBLICATION_URL": urls["publication"], "PUBLIC_BASE_URL": url(gateway_port)}


@pytest.fixture
def site(container_factory, db, amqp_uri, web, gateway_port, accounts_url, urls, mailbox, log_key):
    """(the gateway's base URL, review's API): every service of the journey, each collection it relies on emptied."""
    delete_event_queues(amqp_uri)
    for document in (*review_documents.ALL, *intake_documents.ALL, publication_documents.Finding, mail_documents.OutgoingMail,
                     accounts_documents.SignInThrottle):
        document.ensure_indexes()
        document._get_collection().delete_many({})
    Person.objects(email__in=[POC_EMAIL, EXPERT_EMAIL, ADMIN_EMAIL]).delete()
    Person.objects(expert_id=EXPERT).delete()
    operations.add_member("TN", "national", sample.MEMBER["names"], time_zone="Africa/Tunis")
    operations.add_expert(EXPERT, "Amal B.", ["ar", "fr", "en"], [], capacity=5)  # the only one: the case is theirs
    timing = {"GOVERNMENT_REVIEW_SECONDS": GOVERNMENT_REVIEW_SECONDS, "PUBLIC_COMMENT_SECONDS": 2, "PUBLIC_COMMENT_MIN_SECONDS": 2}
    services = (("intake", IntakeService, urls["intake"]), ("review", ReviewService, urls["review"], timing),
                ("publication", PublicationService, urls["publication"], {"LOG_SIGNING_KEY": str(log_key), "LOG_CHECKPOINT_SECONDS": 0}),
                ("mail", MailService, urls["mail"], {"SMTP_URL": mailbox.url, "SMTP_TIMEOUT_SECONDS": 5}))
    with behind_the_gateway(container_factory, web, gateway_port, accounts_url, amqp_uri, db, services) as base:
        yield base, Review(urls["review"], amqp_uri)


def sign_in(page, email, code):
    page.fill("#s-email", email)
    page.fill("#s-password", PASSWORD)
    page.fill("#s-code", code)
    press_and_follow(page, page.locator("#sign-in-button"))


def dashboard_at(page, site, status):
    """The PoC's dashboard, opened again until the plan shows `status` (intake follows review's events)."""
    def shown():
        page.goto(f"{site}/ar/government")
        return page.locator(f"#plan-{PLAN}").get_attribute("data-status") == status
    wait_until(shown, timeout=30, interval=0.3, what=f"the dashboard at {status}")
    assert message("ar", government_views.STAGE_NAMES[status]) in text_of(page, f"#plan-{PLAN} .plan-stage")


def versions():
    return intake_documents.SelfAssessment.objects(member_code="TN", plan_number=PLAN).count()


def until_open(call, what, timeout=GOVERNMENT_REVIEW_SECONDS + 30):
    """review's answer once a timed window lets `call` through (409 until then)."""
    answers = []

    def through():
        answers.append(call())
        assert answers[-1].status_code in (200, 409), answers[-1].text
        return answers[-1].status_code == 200
    wait_until(through, timeout=timeout, interval=0.5, what=what)
    return answers[-1].json()


def test_a_point_of_contact_from_invitation_to_published_findings(site, context_factory, mailbox, artifacts):
    base, review = site
    activated(base, EXPERT_EMAIL, "fr", "expert", expert_id=EXPERT)  # the expert's account, bound to the registry's entry

    # The admin invites the PoC from the people page; the invitation arrives at the SMTP server, its link opened
    # in the PoC's browser.
    admin = context_factory("en")
    first_admin_signed_in(base, admin, "en", ADMIN_EMAIL)
    link = invited_on_the_people_page(admin, base, mailbox, POC_EMAIL, "poc", "ar", member_code="TN")
    page = context_factory("ar")
    seen = watch(page)
    page.goto(link)
    assert page.locator("html").get_attribute("dir") == "rtl"

    # A password and, asked for, a second factor: its first code from the secret the page shows.
    page.fill("#i-password", PASSWORD)
    page.check("#i-totp")
    press_and_follow(page, page.locator("#set-password"))
    assert text_of(page, "#password-set") == message(
        "ar", "Your password is set. Add the second factor you asked for to an authenticator app, then type the code it shows.")
    secret = page.locator("#totp-secret").inner_text().strip()
    assert axe_violations(page) == []
    page.fill("#t-code", code_for(secret, -30))  # the step before: the one now is left for signing in
    press_and_follow(page, page.locator("#confirm-code"))
    assert page.locator("#account-ready").is_visible()
    person = Person.objects(email=POC_EMAIL).first()
    assert person.totp_secret == secret and person.role == "poc" and person.member_code == "TN"

    # Signed in (the code asked for), to the import page: the plan's commitments from a CSV.
    page.goto(f"{base}/ar/sign-in?next=/ar/government/import")
    sign_in(page, POC_EMAIL, code_for(secret))
    assert page.url == f"{base}/ar/government/import"
    assert import_commitments(page, PLAN, "ar", CSV) == 3
    assert sorted(c.commitment_id for c in intake_documents.ActionPlanCommitment.objects(member_code="TN", plan_number=PLAN)) \
        == list(COMMITMENTS)

    # The form, from the imported commitments, filled in Arabic; a PDF uploaded; saved.
    page.goto(f"{base}{FORM}")
    assert "نشر بيانات الميزانية المفتوحة" in text_of(page, "#commitment-TN0501 legend")
    fill_self_assessment(page, ANSWERS, "ar")
    pdf_name = "تقرير-الميزانية.pdf"
    page.set_input_files("#file-TN0501", files=[{"name": pdf_name, "mimeType": "application/pdf", "buffer": minimal_pdf("budget")}])
    page.locator("#upload-button-TN0501").click(no_wait_after=True)
    assert wait_for_state(page, "#files-TN0501") == "done"
    press_and_follow(page, page.locator("#save-draft"))
    assert page.url == f"{base}{FORM}?saved=1#draft-saved" and page.locator("#draft-saved").is_visible()
    assert pdf_name in text_of(page, "#files-list-TN0501 li")
    page.screenshot(path=artifacts / "government-journey-form-ar.png", full_page=True)
    assert axe_violations(page) == []

    # Signed out, signed in again (the next step's code: the one used is not taken twice): the draft resumed.
    page.goto(f"{base}/ar/account")
    press_and_follow(page, page.locator("#sign-out"))
    page.goto(f"{base}{FORM}")
    assert page.url == f"{base}/ar/sign-in?next={FORM}"
    sign_in(page, POC_EMAIL, code_for(secret, 30))
    assert page.url == f"{base}{FORM}"
    assert page.locator("#draft-resumed").is_visible()
    assert page.locator("#narrative-TN0501").input_value() == NARRATIVE
    assert page.locator("#completion-TN0503").input_value() == "not_started"
    assert pdf_name in text_of(page, "#files-list-TN0501 li")

    # Submitted with a double click: one submission, one version.
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.locator("#submit-self-assessment").dblclick(no_wait_after=True)
    wait_until(lambda: (page.wait_for_timeout(50) or "/ar/government?submitted=" in page.url) and page.locator("#submitted").count(),
               timeout=20, interval=0, what="the submission's answer")
    assert page.locator("#submitted").is_visible() and len(posts) >= 1  # Chromium may send the second click's post or not
    wait_until(lambda: versions() == 1, what="the self-assessment stored")
    stored = intake_documents.SelfAssessment.objects(member_code="TN", plan_number=PLAN).get()
    assert stored.commitments[0]["narrative"] == {"ar": NARRATIVE}
    assert [e.get("file_id") for e in stored.commitments[0]["evidence"] if e.get("file_id")], stored.commitments[0]["evidence"]
    case_id = stored.case_id

    # The expert of the registry, whose account is bound to the entry, is assigned the case and mailed.
    wait_until(lambda: (c := review_documents.Case.objects(case_id=case_id).first()) and c.status == "assigned",
               what="the case assigned")
    assert review_documents.Case.objects(case_id=case_id).get().expert_id == EXPERT
    assigned = mail_to(mailbox, EXPERT_EMAIL, case_id, what="the assignment mail")
    assert assigned["Subject"] == "Un examen vous est confié" and f"{base}/fr/" in plain(assigned)  # in the expert's language
    dashboard_at(page, base, "assigned")
    assert versions() == 1  # the second click made nothing

    # The expert accepts, rates every commitment and submits; the quality reviewer approves (review's API).
    expert = operations.issue_token("expert", EXPERT)
    path = f"/api/v1/cases/{case_id}"
    assert review.call("POST", f"{path}/accept", expert).status_code == 200
    rate_and_submit(review, case_id, expert)
    approved = review.call("POST", f"{path}/quality-decision", operations.issue_token("quality_reviewer", "iep-1"),
                           {"decision": "approve"})
    assert approved.status_code == 200, approved.text
    dashboard_at(page, base, "government_review")

    # Within the window: the PoC comments on the draft in Arabic.
    draft_path = f"/ar/government/cases/{case_id}/draft"
    assert page.locator(f"#plan-{PLAN} .plan-draft-link").get_attribute("href") == draft_path
    page.goto(f"{base}{draft_path}")
    assert page.locator("#window-notice").get_attribute("data-window") == "open"
    page.fill("#gc-c1-text", COMMENT)
    answer = press_and_follow(page, page.locator("#gc-c1-send"))
    assert answer.status == 303 and page.url == f"{base}{draft_path}?recorded=c1#comments-c1"
    assert COMMENT in text_of(page, "#comments-c1")
    [comment] = review.call("GET", f"{path}/draft", expert).json()["government_comments"]
    assert comment["text"] == {"ar": COMMENT} and comment["commitment_id"] == "TN0501"

    # The expert answers, opens public comment once the window is over, and finalises after the period.
    answered = review.call("POST", f"{path}/government-comments/{comment['comment_id']}/response", expert,
                           {"text": {"ar": "شكرًا، أُضيفت البيانات الشهرية إلى التبرير."}})
    assert answered.status_code == 200, answered.text
    until_open(lambda: review.call("POST", f"{path}/open-public-comment", expert), "the government's window to close")
    dashboard_at(page, base, "public_comment")
    until_open(lambda: review.call("POST", f"{path}/finalise", expert), "the public comment period to close")
    dashboard_at(page, base, "published")
    assert text_of(page, f"#plan-{PLAN} .plan-next") == message("ar", government_views.NEXT_STEPS["published"])
    page.screenshot(path=artifacts / "government-journey-published-ar.png", full_page=True)

    # The public finding page.
    finding = publication_documents.Finding.objects(case_id=case_id).get()
    opened = page.goto(f"{base}/ar/findings/{finding.finding_id}")
    assert opened.status == 200 and "نشر بيانات الميزانية المفتوحة" in text_of(page, "main")
    assert seen["csp"] == [] and seen["foreign"] == []

    # The PoC was told of each stage by mail, in Arabic, the last one the publication.
    published = mail_to(mailbox, POC_EMAIL, case_id, what="the PoC's mail of the publication",
                        subject="نُشر تقرير آلية التقييم المستقلة عن خطة عملكم")
    assert published["Content-Language"] == "ar"
    assert len([m for m in mailbox.mails() if m["To"] == POC_EMAIL and case_id in plain(m)]) >= 4
