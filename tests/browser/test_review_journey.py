"""One case from submission to publication through the pages alone, in Chromium: accounts, intake, review,
publication, mail and the pages behind the gateway (one origin, as in production), on the real broker and database,
with a real SMTP server (devtools/mailbox.py, as test_government_journey.py runs it).

Setup, every write through the pages too but for the operator's command line:
- the registry as the operator keeps it with irmctl (cli.operations.add_member, add_expert): the members TN and MA,
  the one expert who is assigned both cases, and, once they are, a second expert, who takes the declined case;
- the first admin invited with irmctl account invite-admin (operations.invite_first_admin), who opens the link it
  prints, sets a password and the second factor, and signs in (conftest.first_admin_signed_in);
- on the people page, that admin invites the expert (bound to the registry's entry), the quality reviewer and a
  point of contact for each of TN and MA; each link is read from the invitation mail at the SMTP server
  (conftest.invited_on_the_people_page). The PoCs set their password in the browser at once; the expert and the
  quality reviewer (who confirms the second factor) do where the journey first needs them;
- each PoC submits their member's self-assessment on the government's pages (tests/browser/self_assessment.py, as
  test_government_journey.py does): Tunisia's plan 5 (devtools.sample's, its commitments ONE, TWO, THREE) and
  Morocco's plan 3 (MOROCCO, its commitment MA0301), their commitments imported on the import page from a CSV per
  language of their titles, the form filled (in French) and submitted. Review assigns both to the one expert.

The journey, every step a page: the expert, in French, declines Morocco's case for a conflict of interest (it goes
to the other expert) and accepts Tunisia's; rates every commitment and the plan with the keyboard alone; meets a
newer version saved from a second tab and keeps their text; assesses the plan and submits. The quality reviewer
(with a second factor) finds the draft in the queue and returns it with a comment on a commitment; the expert reads
the comment in the workspace (axe-core finds nothing there in ar, fr and en), fixes that commitment and submits
again; the reviewer approves. The point of contact comments on the draft in Arabic; the expert answers, and opens
public comment once the government's window has closed; the public comments on the draft page; the expert finalises
once the period has closed; the finding page shows the ratings, the expert's kept and fixed text, the government's
comment with its answer and the public's comment. The test reads results from the database and review's API
(state_of) only: it writes through no API.

Timing comes from review's settings, passed to behind_the_gateway as test_government_journey.py does: a government
window long enough to comment and answer in, and a short public comment period.
"""
import copy

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
from services.web import expert_comments_forms
from shared.irm import LANGUAGES
from shared.persistence.documents import Person
from tests.browser.conftest import (
    PASSWORD, axe_violations, behind_the_gateway, delete_event_queues, first_admin_signed_in, invited_on_the_people_page,
    message, press_and_follow, set_up_account, signed_in_at, text_of, watch,
)
from tests.browser.self_assessment import commitments_csv, fill_self_assessment, import_commitments
from tests.browser.test_expert_workspace import EnterKey, choose, progress, rate_with_the_keyboard, tab_to, type_into
from tests.integration.conftest import wait_until
from tests.integration.test_review import Review

pytestmark = pytest.mark.browser
EXPERT, OTHER = "exp-journey-fr", "exp-journey-other"
EXPERT_EMAIL, REVIEWER_EMAIL, POC_EMAIL = "leila.expert@example.org", "iep.journey@example.org", "poc.journey@example.org"
ADMIN_EMAIL, MOROCCO_POC_EMAIL = "operator.journey@example.org", "poc.ma.journey@example.org"
GOVERNMENT_REVIEW_SECONDS = 45
PUBLIC_COMMENT_SECONDS = 15
ONE, TWO, THREE = (c["commitment_id"] for c in sample.SELF_ASSESSMENT["commitments"])
MOROCCO = {**copy.deepcopy(sample.SELF_ASSESSMENT), "member": "MA", "action_plan": {"cycle": "2024-2026", "plan_number": 3},
           "commitments": [{"commitment_id": "MA0301", "number": 1, "title": {"fr": "Budget citoyen", "ar": "ميزانية المواطن"},
                            "self_reported_completion": "limited"}]}
MINE = "Deux ateliers tenus en 2025, avec la société civile."
QUALITY_COMMENT = "Préciser la source des chiffres de participation."
FIXED = "Un seul atelier, selon le compte rendu publié par la TUNEPS."
GOVERNMENT_COMMENT = "نُشرت البيانات الشهرية أيضًا منذ مارس 2025، لا الفصلية فقط."
ANSWER = "Merci : les données mensuelles sont ajoutées à la justification."
PUBLIC_COMMENT = "Les données de 2025 sont bien en ligne, merci."


def url():
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def urls():
    return {name: url() for name in ("intake", "review", "publication", "mail")}


@pytest.fixture
def web_config(web_config, gateway_port, accounts_url, urls):
    return {**web_config, "ACCOUNTS_URL": accounts_url, "INTAKE_URL": urls["intake"], "REVIEW_URL": urls["review"],
            "PUBLICATION_URL": urls["publication"], "PUBLIC_BASE_URL": f"http://127.0.0.1:{gateway_port}"}


@pytest.fixture
def site(container_factory, db, amqp_uri, web, gateway_port, accounts_url, urls, log_key, mailbox, context_factory):
    """(the gateway's base URL, review's API, Tunisia's case, Morocco's case, the invitation links of the expert and
    the quality reviewer): both cases submitted by their PoCs and assigned to EXPERT, then OTHER in the registry;
    every collection the journey relies on emptied first."""
    delete_event_queues(amqp_uri)
    for document in (*review_documents.ALL, *intake_documents.ALL, publication_documents.Finding, publication_documents.MemberSummary,
                     mail_documents.OutgoingMail,
                     accounts_documents.SignInThrottle):
        document.ensure_indexes()
        document._get_collection().delete_many({})
    Person.objects(email__in=[EXPERT_EMAIL, REVIEWER_EMAIL, POC_EMAIL, MOROCCO_POC_EMAIL, ADMIN_EMAIL]).delete()
    Person.objects(expert_id__in=[EXPERT, OTHER]).delete()
    operations.add_member("TN", "national", sample.MEMBER["names"], time_zone="Africa/Tunis")
    operations.add_member("MA", "national", {"fr": "Maroc", "ar": "المغرب", "en": "Morocco"})
    operations.add_expert(EXPERT, "Leïla M.", ["ar", "fr", "en"], [], capacity=5)
    timing = {"GOVERNMENT_REVIEW_SECONDS": GOVERNMENT_REVIEW_SECONDS, "PUBLIC_COMMENT_SECONDS": PUBLIC_COMMENT_SECONDS,
              "PUBLIC_COMMENT_MIN_SECONDS": 1}
    services = (("intake", IntakeService, urls["intake"]), ("review", ReviewService, urls["review"], timing),
                ("publication", PublicationService, urls["publication"], {"LOG_SIGNING_KEY": str(log_key), "LOG_CHECKPOINT_SECONDS": 0}),
                ("mail", MailService, urls["mail"], {"SMTP_URL": mailbox.url, "SMTP_TIMEOUT_SECONDS": 5}))
    with behind_the_gateway(container_factory, web, gateway_port, accounts_url, amqp_uri, db, services) as base:
        admin = context_factory("en")
        first_admin_signed_in(base, admin, "en", ADMIN_EMAIL)
        links = {email: invited_on_the_people_page(admin, base, mailbox, email, role, language, **binding)
                 for email, role, language, binding in ((EXPERT_EMAIL, "expert", "fr", {"expert_id": EXPERT}),
                                                        (REVIEWER_EMAIL, "quality_reviewer", "fr", {}),
                                                        (POC_EMAIL, "poc", "ar", {"member_code": "TN"}),
                                                        (MOROCCO_POC_EMAIL, "poc", "fr", {"member_code": "MA"}))}
        tunisia, morocco = (submitted(context_factory(language), base, links[email], email, body)
                            for email, language, body in ((POC_EMAIL, "ar", sample.SELF_ASSESSMENT),
                                                          (MOROCCO_POC_EMAIL, "fr", MOROCCO)))
        wait_until(lambda: review_documents.Case.objects(case_id__in=[tunisia, morocco], status="assigned",
                                                         expert_id=EXPERT).count() == 2, timeout=30, what="both cases assigned")
        operations.add_expert(OTHER, "Karim T.", ["ar", "fr"], [], capacity=5)  # free for the declined case
        yield base, Review(urls["review"], amqp_uri), tunisia, morocco, links


def submitted(poc, base, link, email, body):
    """`body` (a self-assessment in intake's shape) submitted on the government's pages by its member's point of
    contact, who sets their password from the invitation `link` first: its commitments imported from a CSV per
    language of their titles, the form filled in French and submitted. Its case id."""
    set_up_account(poc, link, "poc")
    plan = body["action_plan"]["plan_number"]
    sign_in(poc, base, "fr", "/fr/government/import", email)
    for language in LANGUAGES:
        titles = commitments_csv(body, language)
        if titles:
            poc.goto(f"{base}/fr/government/import")
            assert import_commitments(poc, plan, language, titles) == len(titles.splitlines()) - 1
    poc.goto(f"{base}/fr/government/plans/{plan}/self-assessment")
    fill_self_assessment(poc, body, "fr")
    press_and_follow(poc, poc.locator("#submit-self-assessment"))
    assert "/fr/government?submitted=" in poc.url and poc.locator("#submitted").is_visible()
    stored = intake_documents.SelfAssessment.objects(member_code=body["member"], plan_number=plan)
    kept = ("commitment_id", "title", "self_reported_completion")  # what the journey and its finding page show
    assert [{k: c[k] for k in kept} for c in stored.get().commitments] == [{k: c[k] for k in kept} for c in body["commitments"]]
    return stored.get().case_id


def state_of(review, case_id):
    answer = review.call("GET", f"/api/v1/cases/{case_id}", operations.issue_token("admin", "admin-1"))
    assert answer.status_code == 200, answer.text
    return answer.json()


def sign_in(page, base, language, next_path, email):
    page.goto(f"{base}/{language}/sign-in?next={next_path}")
    page.fill("#s-email", email)
    page.fill("#s-password", PASSWORD)
    press_and_follow(page, page.locator("#sign-in-button"))
    assert page.url.split("#")[0] == f"{base}{next_path}"


def pressed_until_through(page, selector, what, timeout):
    """`selector` pressed again (the page as its refusal left it) while review's window refuses it (409)."""
    def through():
        answer = press_and_follow(page, page.locator(selector))
        assert answer.status in (303, 409), (answer.status, text_of(page, "main"))
        if answer.status == 409:
            page.wait_for_timeout(500)
        return answer.status == 303
    wait_until(through, timeout=timeout, interval=0, what=what)


def rate_the_others(page):
    """Commitment 3 not verifiable, then commitment 2 and the plan's assessment: the keyboard alone, as commitment 1."""
    choose(page, f"c-{THREE}-verifiability-verifiable")
    page.keyboard.press("ArrowDown")  # not verifiable: the other indicators hidden
    assert not page.locator(f"#c-{THREE}-completion-justification").is_visible()
    type_into(page, f"c-{THREE}-verifiability-justification", "Aucun jalon mesurable dans le plan.")
    tab_to(page, f"c-{THREE}-save")
    press_and_follow(page, EnterKey(page))
    c = f"c-{TWO}"
    choose(page, f"{c}-verifiability-verifiable")
    type_into(page, f"{c}-verifiability-justification", "Les jalons sont vérifiables.")
    choose(page, f"{c}-open_government_lens-transparency-yes")
    choose(page, f"{c}-open_government_lens-participation-yes")
    choose(page, f"{c}-open_government_lens-accountability-yes")
    page.keyboard.press("ArrowDown")  # accountability: no
    type_into(page, f"{c}-open_government_lens-justification", "مشاركة المجتمع المدني")
    # Each scale's first value, then down to the one meant: modest (2nd), limited (3rd), marginal (3rd).
    for indicator, first, downs, value in (("potential_for_results", "unclear", 1, "modest"),
                                           ("completion", "no_evidence_available", 2, "limited"),
                                           ("did_it_open_government", "worsened", 2, "marginal")):
        choose(page, f"{c}-{indicator}-{first}")
        for _ in range(downs):
            page.keyboard.press("ArrowDown")
        type_into(page, f"{c}-{indicator}-justification", f"Justification : {value}.")
    tab_to(page, f"{c}-save")
    press_and_follow(page, EnterKey(page))
    assert progress(page) == "Engagements notés : 3 sur 3"
    # The plan's assessment, the keyboard again: involve is the third level of influence.
    choose(page, "plan-influence-inform")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    choose(page, "plan-forum-yes")
    type_into(page, "plan-co-creation-justification", "Le forum multi-acteurs s’est réuni tous les trois mois.")
    choose(page, "plan-contrary-yes")
    page.keyboard.press("ArrowDown")  # no
    type_into(page, "plan-contrary-justification", "Le plan a été co-créé dans les délais.")
    tab_to(page, "plan-save")
    press_and_follow(page, EnterKey(page))
    assert text_of(page, "#status") == message("fr", "The plan's assessment was saved.")


def test_one_case_from_submission_to_publication_through_the_pages(site, context_factory, artifacts):
    base, review, case_id, declined, links = site
    workspace = f"/fr/expert/cases/{case_id}"

    # The expert, in French: both cases in the inbox.
    expert = context_factory("fr")
    seen = watch(expert)
    set_up_account(expert, links[EXPERT_EMAIL], "expert")
    sign_in(expert, base, "fr", "/fr/expert", EXPERT_EMAIL)
    assert {expert.locator(f"#case-{c}").get_attribute("data-status") for c in (case_id, declined)} == {"assigned"}

    # Morocco's case declined for a conflict of interest: it goes to the other expert, Morocco never offered again.
    p = f"#decline-{declined}"
    expert.fill(f"{p}-reason", "J’ai conseillé le ministère marocain de l’Économie en 2024.")
    expert.check(f"{p}-conflict")
    expert.fill(f"{p}-affiliation", "Ministère de l’Économie et des Finances du Maroc")
    press_and_follow(expert, expert.locator(f"#decline-{declined}"))
    assert expert.url == f"{base}/fr/expert?done=declined#status"
    assert expert.locator(f"#case-{declined}").count() == 0 and declined in text_of(expert, "#given-back")
    wait_until(lambda: state_of(review, declined).get("expert_id") == OTHER, what="the declined case reassigned")
    assert "MA" in review_documents.Expert.objects(expert_id=EXPERT).get().affiliations

    # Tunisia's accepted and opened from the inbox.
    press_and_follow(expert, expert.locator(f"#accept-{case_id}"))
    assert expert.locator(f"#case-{case_id}").get_attribute("data-status") == "in_review"
    expert.goto(base + expert.locator(f"#workspace-{case_id}").get_attribute("href"))
    assert expert.url == f"{base}{workspace}"

    # Every commitment rated, and the plan assessed, with the keyboard alone.
    rate_with_the_keyboard(expert, ONE)
    assert expert.url.startswith(f"{base}{workspace}?done=saved&commitment={ONE}")
    assert progress(expert) == "Engagements notés : 1 sur 3"
    expert.screenshot(path=artifacts / "journey-workspace-fr.png", full_page=True)
    rate_the_others(expert)

    # A second tab saves commitment 1 meanwhile: the first tab's save meets it, shows the difference, keeps the text.
    p = f"#c-{ONE}"
    expert.fill(f"{p}-completion-justification", MINE)
    other = expert.context.new_page()
    other.goto(f"{base}{workspace}")
    other.fill(f"{p}-completion-justification", "Texte de l’autre onglet.")
    press_and_follow(other, other.locator(f"{p}-save"))
    other.close()
    assert press_and_follow(expert, expert.locator(f"{p}-save")).status == 409
    assert MINE in text_of(expert, f"{p}-conflict tr[data-indicator=completion] td.mine")
    assert "Texte de l’autre onglet." in text_of(expert, f"{p}-conflict tr[data-indicator=completion] td.theirs")
    assert expert.locator(f"{p}-completion-justification").input_value() == MINE
    press_and_follow(expert, expert.locator(f"{p}-keep-mine"))
    assert text_of(expert, "#status") == message("fr", "The ratings were saved.")
    assert expert.locator(f"{p}-completion-justification").input_value() == MINE

    # Submitted: read-only, in quality review.
    press_and_follow(expert, expert.locator("#submit-draft"))
    assert expert.url == f"{base}{workspace}?done=submitted#status"
    assert text_of(expert, "#read-only") == message("fr", "Submitted: this draft is read-only.")
    assert state_of(review, case_id)["status"] == "quality_review"

    # The quality reviewer (a second factor): the draft in the queue; returned with a comment on commitment 2.
    reviewer = context_factory("fr")
    secret = set_up_account(reviewer, links[REVIEWER_EMAIL], "quality_reviewer")
    signed_in_at(base, reviewer, "fr", "/quality-review", REVIEWER_EMAIL, secret)
    assert reviewer.locator(f"#queue-{case_id}").count() == 1 and reviewer.locator(f"#queue-{declined}").count() == 0
    assert text_of(reviewer, f"#queue-{case_id} .queue-expert") == EXPERT
    reviewer.screenshot(path=artifacts / "journey-quality-queue-fr.png", full_page=True)
    reviewer.click(f"#open-{case_id}")
    assert MINE in text_of(reviewer, f"#commitment-{ONE}")
    reviewer.fill(f"#q-comment-{TWO}", QUALITY_COMMENT)
    press_and_follow(reviewer, reviewer.locator("#return-button"))
    assert reviewer.url == f"{base}/fr/quality-review?done=returned&case={case_id}#status"
    assert state_of(review, case_id)["status"] == "in_review"

    # The expert reads the comment beside the commitment, fixes it, submits again.
    expert.goto(f"{base}/fr/expert")
    expert.goto(base + expert.locator(f"#workspace-{case_id}").get_attribute("href"))
    assert QUALITY_COMMENT in text_of(expert, f"#commitment-{TWO} .quality-comments")
    assert expert.locator(f"#commitment-{ONE} .quality-comments").count() == 0
    expert.screenshot(path=artifacts / "journey-workspace-returned-fr.png", full_page=True)
    for language in ("ar", "en", "fr"):  # the comments' part, new on this page: in each language
        expert.goto(f"{base}/{language}/expert/cases/{case_id}")
        assert expert.locator(f"#c-{TWO}-quality-heading").count() == 1
        assert axe_violations(expert) == [], language
    expert.fill(f"#c-{TWO}-completion-justification", FIXED)
    press_and_follow(expert, expert.locator(f"#c-{TWO}-save"))
    assert text_of(expert, "#status") == message("fr", "The ratings were saved.")
    press_and_follow(expert, expert.locator("#submit-draft"))
    assert expert.url == f"{base}{workspace}?done=submitted#status"

    # The reviewer finds it again, with the earlier comment, and approves.
    reviewer.goto(f"{base}/fr/quality-review")
    reviewer.click(f"#open-{case_id}")
    assert QUALITY_COMMENT in text_of(reviewer, f"#commitment-{TWO} .earlier-comments")
    assert FIXED in text_of(reviewer, f"#commitment-{TWO}")
    press_and_follow(reviewer, reviewer.locator("#approve-button"))
    assert reviewer.url == f"{base}/fr/quality-review?done=approved&case={case_id}#status"
    assert state_of(review, case_id)["status"] == "government_review"

    # The point of contact, in Arabic, comments on the draft from the dashboard's link.
    poc = context_factory("ar")
    poc_seen = watch(poc)
    sign_in(poc, base, "ar", "/ar/government", POC_EMAIL)  # their account set up in `site`, to submit
    draft_path = poc.locator("#plan-5 .plan-draft-link").get_attribute("href")
    poc.goto(f"{base}{draft_path}")
    assert poc.locator("html").get_attribute("dir") == "rtl"
    poc.fill("#gc-c1-text", GOVERNMENT_COMMENT)
    assert press_and_follow(poc, poc.locator("#gc-c1-send")).status == 303
    assert GOVERNMENT_COMMENT in text_of(poc, "#comments-c1")

    # The expert answers it, and opens public comment once the government's window has closed.
    expert.goto(f"{base}/fr/expert")
    expert.click(f"#comments-{case_id}")
    expert.wait_for_selector("#comments-title")
    assert GOVERNMENT_COMMENT in text_of(expert, "#government-comments")
    form_id = expert.locator("form.answer-form").first.get_attribute("id")
    expert.fill(f"#{form_id}-text", ANSWER)
    press_and_follow(expert, expert.locator(f"#{form_id}-send"))
    assert text_of(expert, "#status") == message("fr", expert_comments_forms.DONE["answered"])
    pressed_until_through(expert, "#step-button", "the government's window to close", GOVERNMENT_REVIEW_SECONDS + 30)
    assert text_of(expert, "#status") == message("fr", expert_comments_forms.DONE["open_public_comment"])
    assert state_of(review, case_id)["status"] == "public_comment"

    # The public comments on the draft page (no account).
    public = context_factory("fr")
    public.goto(f"{base}/fr/cases/{case_id}/draft")
    public.fill("#c-text", PUBLIC_COMMENT)
    public.select_option("#c-language", "fr")
    public.fill("#c-author", "Al Bawsala")
    assert press_and_follow(public, public.locator("#comment-form button[type=submit]")).status == 303
    assert PUBLIC_COMMENT in text_of(public, "#comments")

    # The expert sees it, and finalises once the period has closed.
    expert.reload()
    assert PUBLIC_COMMENT in text_of(expert, "#public-comments")
    pressed_until_through(expert, "#step-button", "the public comment period to close", PUBLIC_COMMENT_SECONDS + 30)
    assert text_of(expert, "#status") == message("fr", expert_comments_forms.DONE["finalise"])

    # The finding page shows it: the ratings, the kept and the fixed text, the government's and the public's comments.
    finding = wait_until(lambda: publication_documents.Finding.objects(case_id=case_id).first(), timeout=30,
                         what="the finding published")
    public.goto(f"{base}/fr/findings/{finding.finding_id}")
    shown = text_of(public, "main")
    for text in (MINE, FIXED, GOVERNMENT_COMMENT, ANSWER, PUBLIC_COMMENT, "Publication des données budgétaires ouvertes"):
        assert text in shown, text
    assert axe_violations(public) == []
    public.screenshot(path=artifacts / "journey-finding-fr.png", full_page=True)
    assert seen["csp"] == [] and seen["foreign"] == [] and poc_seen["csp"] == []
