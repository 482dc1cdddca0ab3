"""Findings for the browser tests, published through publication's own handlers (publish,
withdraw) in one transaction each, as the service does on a `review.approved` event; their
titles, names, reasons and comments carry script and markup, which every page must show as text."""
from datetime import timedelta

import mongoengine

from devtools import sample
from services.publication import documents as publication_documents
from services.publication import handlers
from shared.auth import Principal
from shared.clock import iso, utcnow
from shared.contracts.events import REVIEW_APPROVED, build_event
from shared.persistence.documents import AuditEntry, LogQueueEntry, OutboxMessage, SealedContent
from shared.persistence.unit_of_work import run_in_transaction

SCRIPT = "<script>document.title='owned'</script>"
MARKUP = '<img src=x id="injected"><b>bold</b>'
# Tunisia's third commitment is titled in Arabic only: every language shows it, in Arabic with its own lang.
ARABIC_ONLY_TITLE = "سجل المستفيدين الحقيقيين من الشركات"
TUNISIA_EVIDENCE = "https://budget.example.tn/portail/2025"  # the expert's evidence for TN0501's completion
HOSTILE_MEMBER = {"code": "XS", "kind": "local",
                  "names": {"fr": f"Commune {SCRIPT}", "en": f"Town {MARKUP}"}}  # no Arabic name: the Arabic page falls back


# Tunisia's earlier cycle rated otherwise than the sample's (2023-2025), so that the member
# page's four dimensions differ from one cycle to the next: accountability where the later plan
# has none, no participation, and no ambitious commitment (TN0501 was only modest then).
EARLIER_RATINGS = {
    "TN0501": {"open_government_lens": {"value": {"transparency": True, "participation": False, "accountability": True},
                                        "justification": {"fr": "Publication et reddition de comptes budgétaires."}},
               "potential_for_results": sample.rating("modest", "Un premier portail, encore partiel.")},
    "TN0502": {"open_government_lens": {"value": {"transparency": True, "participation": False, "accountability": False},
                                        "justification": {"fr": "Publication des marchés seulement."}}},
}


def approved_payload(case_id, member, government_comments=(), public_comments=(), titles=None, ratings=None, evidence=None):
    """The sample's review.approved payload (devtools/sample.py: approved_payload) in French and English;
    `ratings`, `titles`, `evidence` as there."""
    payload = sample.approved_payload(case_id, member, languages=("fr", "en"), ratings=ratings, titles=titles, evidence=evidence,
                                      government_comments=government_comments, public_comments=public_comments)
    # The event's own contract checks the payload, as review's finalise does.
    return build_event(REVIEW_APPROVED, payload, correlation_id=f"corr-{case_id}",
                       actor={"role": "expert", "id": "exp-amina"}).payload


def publish(payload, now):
    client = mongoengine.connection.get_connection()
    return run_in_transaction(client, "publication", lambda uow: handlers.publish(uow, payload, f"corr-{payload['case_id']}", now))[0]


def withdraw(finding_id, reason, now):
    client = mongoengine.connection.get_connection()
    principal = Principal(subject="iep-rivera", role="quality_reviewer")
    return run_in_transaction(client, "publication", lambda uow: handlers.withdraw(
        uow, principal, finding_id, reason, "corr-withdraw", now))[0].finding_id


def record_history(case_id):
    """The hostile case's earlier decisions, recorded as review records them (uow.record, what
    people wrote sealed): a decline whose reason holds markup, a rating (its draft sealed until
    the public comment period, which this case never reached) and a government comment (sealed
    until publication)."""
    def work(uow):
        expert = {"role": "expert", "id": "exp-salma"}
        uow.record(case_id=case_id, action="review.assigned", actor={"role": "system", "id": "review"},
                   reason="Least loaded expert with no conflict.", data={"expert_id": "exp-salma"}, correlation_id="corr-x")
        uow.record(case_id=case_id, action="review.declined", actor=expert, reason=f"Conflict {SCRIPT} {MARKUP}",
                   data={"conflict_of_interest": True}, correlation_id="corr-x")
        uow.record(case_id=case_id, action="rating.saved", actor={"role": "expert", "id": "exp-amina"}, reason="Ratings saved.",
                   data={"commitment_id": "TN0501"}, sealed={"ratings": {"completion": {"value": "limited"}}}, correlation_id="corr-x")
        uow.record(case_id=case_id, action="government.commented", actor={"role": "poc", "id": "poc-xs"},
                   reason="The government commented.", data={"comment_id": "gc_x"}, sealed={"text": {"en": f"Gov {SCRIPT}"}},
                   correlation_id="corr-x")
    run_in_transaction(mongoengine.connection.get_connection(), "review", work)


def seed():
    """Four cases: Tunisia's (sample data, a government comment answered and a public comment, a
    commitment titled in Arabic only), a hostile member's (script and markup everywhere, corrected
    once then withdrawn), Tunisia's earlier cycle (rated otherwise: EARLIER_RATINGS) and the hostile
    member's earlier cycle, in force. Returns their finding ids by name."""
    # A fresh record and log: the audit chains restart, so the log's leaves and checkpoints go too.
    for document in (*publication_documents.ALL, AuditEntry, SealedContent, LogQueueEntry, OutboxMessage):
        document.ensure_indexes()
        document._get_collection().delete_many({})
    now = utcnow() - timedelta(minutes=10)
    at = iso(now)
    # Published in the order of their times, as the service publishes (the lists' order is the
    # order of publication): the earlier cycles first.
    # The hostile member's earlier plan, still in force: its page charts a cycle under a name
    # that holds script and markup (the chart's title and description carry the name).
    hostile_earlier = publish({**approved_payload("case_web_xs_old", HOSTILE_MEMBER, titles={"TN0502": {"en": f"Old {SCRIPT}"}}),
                               "action_plan": {"cycle": "2019-2021", "plan_number": 3}}, now - timedelta(days=800))
    earlier = publish({**approved_payload("case_web_tn_old", sample.MEMBER, ratings=EARLIER_RATINGS),
                       "action_plan": {"cycle": "2021-2023", "plan_number": 4}},
                      now - timedelta(days=400))
    tunisia = publish(approved_payload("case_web_tn", sample.MEMBER, government_comments=[{
        "comment_id": "gc_1", "commitment_id": "TN0501", "text": {"fr": "Le portail publie aussi les données mensuelles."},
        "author_id": "poc-tn", "at": at, "response": {"text": {"fr": "Noté : la justification le mentionne."},
                                                      "expert_id": "exp-amina", "at": at}}],
        public_comments=[{"comment_id": "pc_1", "commitment_id": None, "text": {"ar": "تعليق من مواطن حول الميزانية."},
                          "author": "Leila", "at": at}],
        titles={"TN0503": {"ar": ARABIC_ONLY_TITLE}}, evidence={"TN0501": [TUNISIA_EVIDENCE]}), now)
    hostile_payload = approved_payload(
        "case_web_xs", HOSTILE_MEMBER,
        government_comments=[{"comment_id": "gc_x", "commitment_id": "TN0502", "text": {"en": f"Gov {SCRIPT}"},
                              "author_id": "poc-xs", "at": at,
                              "response": {"text": {"en": f"Answer {MARKUP}"}, "expert_id": "exp-amina", "at": at}}],
        public_comments=[{"comment_id": "pc_x", "commitment_id": "TN0501", "text": {"fr": f"Avis {SCRIPT} {MARKUP}"},
                          "author": f"Mallory {MARKUP}", "at": at}],
        titles={"TN0501": {"fr": f"Titre {SCRIPT}", "en": f"Title {MARKUP}"}})
    record_history("case_web_xs")
    first = publish(hostile_payload, now + timedelta(seconds=1))
    corrected = publish(hostile_payload, now + timedelta(seconds=2))
    withdrawn = withdraw(corrected, f"Published in error {SCRIPT} {MARKUP}", now + timedelta(seconds=3))
    return {"tunisia": tunisia, "hostile_first": first, "hostile_corrected": corrected, "hostile_withdrawn": withdrawn,
            "tunisia_earlier": earlier, "hostile_earlier": hostile_earlier}
