"""The mail service's handlers over the in-memory unit of work: what a consumed event stores (once, however
often it is delivered), which events are refused or mail nobody, and what claiming, a sent mail and a failed
one change. The same paths through a real SMTP server: tests/integration/test_mail.py."""
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy

import pytest

from services.accounts.domain import tokens
from services.mail import documents, handlers, views
from services.mail.domain import delivery, notices
from shared.persistence.documents import Member, Person
from tests.fake_unit_of_work import FakeUnitOfWork

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
EXPIRES = NOW + timedelta(days=7)
SECRET = b"s" * 32
COMPOSER = handlers.Composer(SECRET, "https://irm.example.org", "irm-review <no-reply@irm.example.org>")
MAX_ATTEMPTS = 3


@pytest.fixture
def uow():
    unit = FakeUnitOfWork("mail")
    unit.put(Member(code="TN", kind="national", names={"fr": "Tunisie", "en": "Tunisia"}, created_at=NOW))
    unit.put(Member(code="MA", kind="national", names={"fr": "Maroc"}, created_at=NOW))
    unit.put(Person(person_id="person_amina", email="amina@example.org", role="expert", expert_id="exp-a", language="fr",
                    invited_by={"role": "admin", "id": "admin-1"}, created_at=NOW))
    return unit


def link_payload(token="T0KEN-_x", secret=SECRET, email="leila@example.org", **extra):
    return {"person_id": "person_leila", "email": email, "language": "ar", "role": "poc",
            "expires_at": EXPIRES.isoformat().replace("+00:00", "Z"), "sealed_token": tokens.seal(token, secret), **extra}


def assignment_payload(expert_id="exp-a", member_code="TN", **extra):
    return {"case_id": "case_1", "expert_id": expert_id, "member_code": member_code,
            "accept_deadline_at": EXPIRES.isoformat().replace("+00:00", "Z"), **extra}


def stored_mails(uow) -> dict:
    return uow.collection(documents.OutgoingMail)


def reloaded(uow, mail):
    return uow.get(documents.OutgoingMail, {"_id": mail.mail_id})


# --- a consumed event becomes a mail, once ----------------------------------------------------------------
@pytest.mark.parametrize("kind", views.LINK_KINDS)
def test_a_link_event_is_stored_as_one_pending_mail_due_now_with_its_token_still_sealed(uow, kind):
    mail = handlers.record_link_mail(uow, kind, "evt_1", link_payload(), SECRET, NOW)
    raw = stored_mails(uow)[handlers.mail_id("evt_1", "leila@example.org")]
    assert raw["kind"] == kind and raw["recipient"] == "leila@example.org" and raw["language"] == "ar"
    assert raw["status"] == delivery.PENDING and raw["attempts"] == 0 and raw["next_attempt_at"] == NOW
    assert raw["expires_at"] == EXPIRES and raw["role"] == "poc" and mail.mail_id == raw["_id"]
    assert "T0KEN-_x" not in str(raw) and tokens.unseal(raw["sealed_token"], SECRET) == "T0KEN-_x"
    assert uow.events == [] and uow.entries == []  # a mail is no decision: nothing audited, nothing emitted


def test_a_redelivered_link_event_changes_nothing_and_another_event_is_another_mail(uow):
    first = handlers.record_link_mail(uow, "invitation", "evt_1", link_payload(), SECRET, NOW)
    before = dict(stored_mails(uow))
    assert handlers.record_link_mail(uow, "invitation", "evt_1", link_payload(), SECRET, NOW + timedelta(hours=1)) is None
    assert stored_mails(uow) == before
    second = handlers.record_link_mail(uow, "invitation", "evt_2", link_payload(), SECRET, NOW)
    assert len(stored_mails(uow)) == 2 and second.mail_id != first.mail_id


def test_a_link_sealed_with_another_secret_is_refused_and_nothing_is_stored(uow):
    with pytest.raises(handlers.CannotCompose):
        handlers.record_link_mail(uow, "password_reset", "evt_1", link_payload(secret=b"x" * 32), SECRET, NOW)
    assert stored_mails(uow) == {}


def test_an_assignment_mails_the_expert_s_account_in_its_language_naming_the_member_as_the_registry_does(uow):
    mail = handlers.record_assignment_mail(uow, "evt_a", assignment_payload(), NOW)
    raw = stored_mails(uow)[handlers.mail_id("evt_a", "amina@example.org")]
    assert raw["kind"] == views.REVIEW_ASSIGNED and raw["recipient"] == "amina@example.org" and mail.person_id == "person_amina"
    assert raw["language"] == "fr" and raw["member_name"] == "Tunisie" and raw["member_code"] == "TN"
    assert raw["case_id"] == "case_1" and raw["expires_at"] == EXPIRES and raw.get("sealed_token") is None
    assert handlers.record_assignment_mail(uow, "evt_a", assignment_payload(), NOW) is None  # redelivered
    assert len(stored_mails(uow)) == 1


def test_an_assignment_names_the_member_in_english_then_by_its_code_when_the_registry_lacks_the_language(uow):
    uow.put(Person(person_id="person_sam", email="sam@example.org", role="expert", expert_id="exp-b", language="ar",
                   invited_by={"role": "admin", "id": "admin-1"}, created_at=NOW))
    in_english = handlers.record_assignment_mail(uow, "evt_1", assignment_payload("exp-b", "TN"), NOW)
    by_code = handlers.record_assignment_mail(uow, "evt_2", assignment_payload("exp-b", "MA"), NOW)
    unknown = handlers.record_assignment_mail(uow, "evt_3", assignment_payload("exp-b", "XX"), NOW)
    assert [in_english.member_name, by_code.member_name, unknown.member_name] == ["Tunisia", "MA", "XX"]


@pytest.mark.parametrize("payload", [assignment_payload(expert_id="exp-without-account"),
                                     assignment_payload(accept_deadline_at=None)], ids=["no account", "no deadline"])
def test_an_assignment_to_an_expert_without_an_account_or_without_a_deadline_mails_nobody(uow, payload):
    assert handlers.record_assignment_mail(uow, "evt_a", payload, NOW) is None
    assert stored_mails(uow) == {}


# --- sending: claim, then sent or failed --------------------------------------------------------------------
def pending(uow, token="T0KEN-_x"):
    handlers.record_link_mail(uow, "invitation", "evt_1", link_payload(token), SECRET, NOW)
    return uow.get(documents.OutgoingMail, {"_id": handlers.mail_id("evt_1", "leila@example.org")})


def test_a_claim_holds_the_mail_for_one_sender_and_a_second_sender_with_the_same_read_is_refused(uow):
    mail = pending(uow)
    assert handlers.claim(uow, mail, NOW) is True
    assert reloaded(uow, mail).next_attempt_at.replace(tzinfo=timezone.utc) == NOW + delivery.CLAIM
    assert handlers.claim(uow, mail, NOW) is False  # it read the mail before the first claim moved it
    assert handlers.claim(uow, reloaded(uow, mail), NOW + delivery.CLAIM) is True  # the claim ran out: taken again


def test_a_sent_mail_keeps_no_usable_link_and_is_not_claimed_again(uow):
    mail = pending(uow)
    handlers.claim(uow, mail, NOW)
    handlers.record_sent(uow, reloaded(uow, mail), NOW + timedelta(seconds=1))
    raw = stored_mails(uow)[mail.mail_id]
    assert raw["status"] == delivery.SENT and raw["attempts"] == 1 and raw["sent_at"] == NOW + timedelta(seconds=1)
    assert raw["sealed_token"] is None and raw["next_attempt_at"] is None and raw["last_error"] is None
    assert handlers.claim(uow, reloaded(uow, mail), NOW + timedelta(hours=1)) is False


def test_a_failed_attempt_is_tried_again_later_keeping_the_link_until_the_last_attempt_parks_it(uow):
    mail = pending(uow)
    after = handlers.record_failure(uow, mail, "421 try later", NOW, MAX_ATTEMPTS)
    raw = stored_mails(uow)[mail.mail_id]
    assert (after.status, after.attempts) == (delivery.PENDING, 1) and raw["status"] == delivery.PENDING
    assert raw["next_attempt_at"] == NOW + delivery.FIRST_DELAY and raw["last_error"] == "421 try later"
    assert tokens.unseal(raw["sealed_token"], SECRET) == "T0KEN-_x"
    handlers.record_failure(uow, reloaded(uow, mail), "421 try later", NOW, MAX_ATTEMPTS)
    parked = handlers.record_failure(uow, reloaded(uow, mail), "x" * 5000, NOW, MAX_ATTEMPTS)
    raw = stored_mails(uow)[mail.mail_id]
    assert (parked.status, parked.attempts) == (delivery.FAILED, MAX_ATTEMPTS) and raw["status"] == delivery.FAILED
    assert raw["next_attempt_at"] is None and raw["sealed_token"] is None and len(raw["last_error"]) == 2000
    assert handlers.claim(uow, reloaded(uow, mail), NOW + timedelta(days=1)) is False  # nothing sends it on its own


def test_a_permanent_refusal_parks_the_mail_at_its_first_attempt(uow):
    mail = pending(uow)
    after = handlers.record_failure(uow, mail, "550 no such user", NOW, MAX_ATTEMPTS, permanent=True)
    raw = stored_mails(uow)[mail.mail_id]
    assert (after.status, after.attempts) == (delivery.FAILED, 1) and raw["status"] == delivery.FAILED
    assert raw["sealed_token"] is None and raw["last_error"] == "550 no such user"


def test_a_stored_mail_is_composed_with_its_unsealed_link_and_not_once_its_link_is_gone(uow):
    mail = pending(uow)
    composed = message_from_bytes(handlers.compose(mail, COMPOSER).as_bytes(), policy=policy.default)
    text = composed.get_body(("plain",)).get_content()
    assert composed["To"] == "leila@example.org" and "https://irm.example.org/ar/" in text and "T0KEN-_x" in text
    handlers.record_failure(uow, mail, "550 no such user", NOW, MAX_ATTEMPTS, permanent=True)
    with pytest.raises(handlers.CannotCompose):
        handlers.compose(reloaded(uow, mail), COMPOSER)
    assert not handlers.expired(mail, EXPIRES - timedelta(seconds=1)) and handlers.expired(mail, EXPIRES)


# --- stage notices: who hears of what (domain/notices.py) ---------------------------------------------------
def person(uow, person_id, role, language="ar", member_code=None, activated=True, opted_out=()):
    return uow.put(Person(person_id=person_id, email=f"{person_id}@example.org", role=role, member_code=member_code,
                          language=language, invited_by={"role": "admin", "id": "admin-1"}, created_at=NOW,
                          activated_at=NOW if activated else None, mail_opt_out=list(opted_out)))


def stage_payload(**extra):
    return {"case_id": "case_1", "member_code": "TN", "expert_id": "exp-a", **extra}


def test_a_stage_notice_goes_to_each_activated_poc_of_the_member_in_their_language_with_the_window_s_end(uow):
    person(uow, "poc_leila", "poc", "ar", "TN")
    person(uow, "poc_jean", "poc", "fr", "TN")
    person(uow, "poc_invited", "poc", "fr", "TN", activated=False)  # not yet an account
    person(uow, "poc_morocco", "poc", "fr", "MA")  # another member's
    until = (NOW + timedelta(days=14)).isoformat().replace("+00:00", "Z")
    mails = handlers.record_notices(uow, "review.quality_approved", "evt_q", stage_payload(government_review_until=until,
                                                                                          reviewer_id="qr-1"), NOW)
    assert sorted((m.recipient, m.language, m.member_name) for m in mails) == [
        ("poc_jean@example.org", "fr", "Tunisie"), ("poc_leila@example.org", "ar", "Tunisia")]
    assert {m.kind for m in mails} == {"government_review_opened"}
    assert all(m.expires_at == NOW + timedelta(days=14) and m.has_deadline for m in mails)
    # Redelivered: nothing more.
    assert handlers.record_notices(uow, "review.quality_approved", "evt_q", stage_payload(government_review_until=until,
                                                                                         reviewer_id="qr-1"), NOW) == []
    assert len(stored_mails(uow)) == 2


def test_a_person_who_turned_a_notice_off_does_not_get_it_but_gets_the_others(uow):
    person(uow, "poc_leila", "poc", "ar", "TN", opted_out=("finding_published",))
    assert handlers.record_notices(uow, "finding.published", "evt_p", stage_payload(), NOW) == []
    closes = (NOW + timedelta(days=14)).isoformat().replace("+00:00", "Z")
    [mail] = handlers.record_notices(uow, "review.public_comment_opened", "evt_c", stage_payload(closes_at=closes), NOW)
    assert mail.kind == "public_comment_opened"


def test_the_quality_review_queue_is_told_to_every_quality_reviewer_and_no_one_else(uow):
    person(uow, "qr_one", "quality_reviewer", "en")
    person(uow, "qr_two", "quality_reviewer", "fr")
    person(uow, "poc_leila", "poc", "ar", "TN")
    mails = handlers.record_notices(uow, "review.submitted", "evt_s", stage_payload(), NOW)
    assert sorted(m.recipient for m in mails) == ["qr_one@example.org", "qr_two@example.org"]
    assert all(m.kind == "quality_review_waiting" and m.expires_at == NOW + notices.NOTICE_LIFETIME
               and not m.has_deadline for m in mails)


def test_an_event_no_notice_follows_mails_nobody(uow):
    person(uow, "poc_leila", "poc", "ar", "TN")
    assert handlers.record_notices(uow, "review.accepted", "evt_a", stage_payload(deadline_at="2099-01-01T00:00:00Z"),
                                   NOW) == []


def test_the_mails_that_answer_a_person_s_own_action_cannot_be_turned_off():
    assert notices.wants(["invitation", "password_reset", "review_assigned"], "password_reset")
    assert not notices.wants(["finding_published"], "finding_published")
    assert set(notices.OPTIONAL).isdisjoint(notices.LINK_KINDS + (notices.REVIEW_ASSIGNED,))


@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_a_public_comment_notice_links_to_the_draft_and_names_the_period_s_end(uow, language):
    person(uow, "poc_x", "poc", language, "TN")
    closes = datetime(2027, 1, 15, 17, 0, tzinfo=timezone.utc)
    [mail] = handlers.record_notices(uow, "review.public_comment_opened", "evt_c",
                                     stage_payload(closes_at=closes.isoformat().replace("+00:00", "Z")), NOW)
    built = handlers.compose(mail, COMPOSER)
    text = built.get_body(("plain",)).get_content()
    assert f"https://irm.example.org/{language}/cases/case_1/draft" in text
    assert "2027" in text and "case_1" in text
    assert built["Content-Language"] == language
    parsed = message_from_bytes(built.as_bytes(), policy=policy.default)
    assert parsed.get_body(("html",)).get_content().count("/cases/case_1/draft") == 2


def test_each_role_is_offered_the_notices_it_can_receive_and_only_those():
    assert notices.kinds_for_role("poc") == ("case_assigned", "government_review_opened", "public_comment_opened",
                                             "finding_published", "correction_opened")
    assert notices.kinds_for_role("quality_reviewer") == ("quality_review_waiting",)
    assert notices.kinds_for_role("expert") == ("deadline_reminder", "deadline_missed")
    assert notices.kinds_for_role("admin") == ()
    assert sorted(sum((notices.kinds_for_role(role) for role in notices.ROLE_OF_AUDIENCE.values()), ())) == sorted(
        notices.OPTIONAL)


# --- the expert's deadlines: a reminder before, a notice after one passed ---------------------------------
def expert_account(uow, person_id, expert_id, language="fr", activated=True, opted_out=()):
    return uow.put(Person(person_id=person_id, email=f"{person_id}@example.org", role="expert", expert_id=expert_id,
                          language=language, invited_by={"role": "admin", "id": "admin-1"}, created_at=NOW,
                          activated_at=NOW if activated else None, mail_opt_out=list(opted_out)))


@pytest.mark.parametrize("stage, task", [("assigned", "accepter ou refuser le dossier"),
                                         ("in_review", "soumettre votre projet de revue")])
def test_a_reminder_goes_to_the_case_s_expert_alone_naming_what_is_due_and_when(uow, stage, task):
    expert_account(uow, "exp_karim", "exp-k")
    expert_account(uow, "exp_other", "exp-o")  # another expert: not theirs to hear
    person(uow, "poc_leila", "poc", "ar", "TN")
    deadline = datetime(2027, 2, 3, 12, 0, tzinfo=timezone.utc)
    payload = stage_payload(expert_id="exp-k", stage=stage, deadline_at=deadline.isoformat().replace("+00:00", "Z"))
    [mail] = handlers.record_notices(uow, "review.reminded", "evt_r", payload, NOW)
    assert (mail.kind, mail.recipient, mail.stage, mail.expires_at, mail.has_deadline) == (
        "deadline_reminder", "exp_karim@example.org", stage, deadline, True)
    assert handlers.record_notices(uow, "review.reminded", "evt_r", payload, NOW) == []  # redelivered: once
    text = handlers.compose(mail, COMPOSER).get_body(("plain",)).get_content()
    assert task in text and "Tunisie" in text and "case_1" in text and "2027" in text
    assert "https://irm.example.org/fr/expert" in text


def test_a_missed_deadline_tells_the_expert_who_missed_it_in_their_language(uow):
    expert_account(uow, "exp_karim", "exp-k", language="ar")
    payload = stage_payload(expert_id="exp-k", stage="in_review", deadline_at="2027-02-03T12:00:00Z")
    [mail] = handlers.record_notices(uow, "review.deadline_missed", "evt_m", payload, NOW)
    assert mail.kind == "deadline_missed" and mail.expires_at == NOW + notices.NOTICE_LIFETIME and not mail.has_deadline
    built = handlers.compose(mail, COMPOSER)
    text = built.get_body(("plain",)).get_content()
    assert "تقديم مسودة مراجعتك" in text and "https://irm.example.org/ar/expert" in text
    assert built["Content-Language"] == "ar"


def test_an_expert_who_turned_reminders_off_gets_no_reminder(uow):
    expert_account(uow, "exp_karim", "exp-k", opted_out=("deadline_reminder",))
    payload = stage_payload(expert_id="exp-k", stage="assigned", deadline_at="2027-02-03T12:00:00Z")
    assert handlers.record_notices(uow, "review.reminded", "evt_r", payload, NOW) == []
    assert len(handlers.record_notices(uow, "review.deadline_missed", "evt_m", payload, NOW)) == 1


def test_a_point_of_contact_s_deadline_is_written_in_the_member_s_time_zone_an_expert_s_in_utc(uow):
    uow.update(Member, {"_id": "TN"}, {"$set": {"time_zone": "Africa/Tunis"}})
    person(uow, "poc_jean", "poc", "fr", "TN")
    until = datetime(2027, 1, 15, 17, 0, tzinfo=timezone.utc)  # 18:00 in Tunis (UTC+1)
    [mail] = handlers.record_notices(uow, "review.quality_approved", "evt_q", stage_payload(
        government_review_until=until.isoformat().replace("+00:00", "Z"), reviewer_id="qr-1"), NOW)
    assert mail.time_zone == "Africa/Tunis"
    text = handlers.compose(mail, COMPOSER).get_body(("plain",)).get_content()
    assert "18:00:00 +0100" in text and "17:00:00" not in text
    expert_account(uow, "exp_karim", "exp-k")
    [reminder] = handlers.record_notices(uow, "review.reminded", "evt_r", stage_payload(
        expert_id="exp-k", stage="in_review", deadline_at=until.isoformat().replace("+00:00", "Z")), NOW)
    assert reminder.time_zone is None and "17:00:00 TU" in handlers.compose(reminder, COMPOSER).get_body(("plain",)).get_content()
