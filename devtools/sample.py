"""Sample data and one case from a government's upload to a published finding, over HTTP:
what `make demo` runs (devtools/sample.py) and what the tests and bench seed with.

`run_demo` provisions a member, experts, a quality reviewer and their tokens (as an operator
would with irmctl), then acts as the PoC of Tunisia, the assigned expert and an IEP
quality reviewer, and prints the published finding and the case's audit trail.
"""
import copy
import time
import uuid

from cli import operations, verify
from cli.client import Client
from shared.transparency.note import VerifierKey

MEMBER = {"code": "TN", "kind": "national", "names": {"ar": "تونس", "fr": "Tunisie", "en": "Tunisia"}}
EXPERTS = (
    # (id, name, languages, affiliations): the first one works for Tunisia's government.
    ("exp-salma", "Salma K.", ["ar", "fr"], ["TN"]),
    ("exp-amina", "Amina B.", ["ar", "fr"], ["MA"]),
    ("exp-james", "James O.", ["en"], []),
)
REVIEWER = "iep-rivera"

SELF_ASSESSMENT = {
    "member": "TN",
    "action_plan": {"cycle": "2023-2025", "plan_number": 5},
    "commitments": [
        {"commitment_id": "TN0501", "number": 1,
         "title": {"ar": "نشر بيانات الميزانية المفتوحة", "fr": "Publication des données budgétaires ouvertes", "en": "Open budget data"},
         "self_reported_completion": "substantial",
         "narrative": {"fr": "Le portail budgétaire publie désormais les données trimestrielles."},
         "evidence": [{"url": "https://budget.example.tn/portail", "description": {"ar": "بوابة الميزانية"}}]},
        {"commitment_id": "TN0502", "number": 2,
         "title": {"ar": "إشراك المجتمع المدني في الصفقات العمومية", "fr": "Participation de la société civile aux marchés publics"},
         "self_reported_completion": "limited",
         "evidence": [{"url": "https://tuneps.example.tn/rapport.pdf"}]},
        {"commitment_id": "TN0503", "number": 3,
         "title": {"fr": "Registre des bénéficiaires effectifs", "en": "Beneficial ownership register"},
         "self_reported_completion": "not_started"},
    ],
}


def rating(value, text):
    return {"value": value, "justification": {"fr": text}}


RATINGS = {
    "TN0501": {
        "verifiability": rating("verifiable", "Les jalons sont mesurables."),
        "open_government_lens": {"value": {"transparency": True, "participation": False, "accountability": False},
                                 "justification": {"fr": "Accès à l'information budgétaire."}},
        "potential_for_results": rating("substantial", "Change la pratique de publication."),
        "completion": rating("substantial", "Données trimestrielles publiées depuis 2024."),
        "did_it_open_government": rating("major", "Les journalistes utilisent les données."),
    },
    "TN0502": {
        "verifiability": rating("verifiable", "Les jalons sont vérifiables."),
        "open_government_lens": {"value": {"transparency": True, "participation": True, "accountability": False},
                                 "justification": {"ar": "مشاركة المجتمع المدني"}},
        "potential_for_results": rating("modest", "Portée limitée aux grands marchés."),
        "completion": rating("limited", "Un seul atelier tenu."),
        "did_it_open_government": rating("marginal", "Peu de changement observé."),
    },
    "TN0503": {"verifiability": rating("not_verifiable", "Aucun jalon mesurable dans le plan.")},
}


PLAN_ASSESSMENT = {
    "co_creation": {"public_influence": "involve", "forum_met_regularly": True,
                    "justification": {"fr": "Le forum multi-acteurs s'est réuni tous les trois mois."}},
    "acted_contrary_to_process": {"value": False, "justification": {"en": "The plan was co-created on time."}},
}


def approved_payload(case_id, member=MEMBER, *, self_assessment_id=None, action_plan=None, languages=("ar", "fr", "en"),
                     expert_id="exp-amina", reviewer_id=REVIEWER, plan_assessment=PLAN_ASSESSMENT, ratings=None, titles=None,
                     evidence=None, government_comments=(), public_comments=()) -> dict:
    """A `review.approved` payload as review's finalise sends it, for the sample self-assessment with the sample
    ratings (what the publication tests and the browser tests' findings publish). `ratings`: {commitment_id:
    {indicator: rating}} over the sample's; `titles`: {commitment_id: title}; `evidence`: {commitment_id: [url]}
    the expert gave for that commitment's completion. Every value is a copy: a caller may change it freely."""
    commitments = []
    for commitment in SELF_ASSESSMENT["commitments"]:
        commitment_id = commitment["commitment_id"]
        rated = {**copy.deepcopy(RATINGS[commitment_id]), **copy.deepcopy((ratings or {}).get(commitment_id, {}))}
        if (evidence or {}).get(commitment_id):
            rated["completion"]["evidence"] = list(evidence[commitment_id])
        commitments.append({"commitment_id": commitment_id, "number": commitment["number"],
                            "title": (titles or {}).get(commitment_id, commitment["title"]),
                            "self_reported_completion": commitment["self_reported_completion"], "ratings": rated})
    return {"case_id": case_id, "self_assessment_id": self_assessment_id or f"sa_{case_id}", "member": member,
            "action_plan": copy.deepcopy(action_plan or SELF_ASSESSMENT["action_plan"]), "languages": list(languages),
            "expert_id": expert_id, "reviewer_id": reviewer_id, "commitments": commitments,
            "plan_assessment": copy.deepcopy(plan_assessment),
            "government_comments": list(government_comments), "public_comments": list(public_comments)}


def provision(mongodb_uri, run_tag):
    operations.connect(mongodb_uri)
    operations.add_member(MEMBER["code"], MEMBER["kind"], MEMBER["names"])
    tokens = {"poc": operations.issue_token("poc", f"poc-tn-{run_tag}", member_code="TN", label="demo"),
              "admin": operations.issue_token("admin", f"admin-{run_tag}", label="demo")}
    for expert_id, name, languages, affiliations in EXPERTS:
        operations.add_expert(expert_id, name, languages, affiliations, capacity=100)
        tokens[expert_id] = operations.issue_token("expert", expert_id, label="demo")
    tokens[REVIEWER] = operations.issue_token("quality_reviewer", REVIEWER, label="demo")
    return tokens


def run_demo(base_url, mongodb_uri, say=print, timeout=60):
    """The whole IRM review of one case, every stage: a decline, a return, a government
    comment and a public comment included."""
    run_tag = uuid.uuid4().hex[:8]
    tokens = provision(mongodb_uri, run_tag)
    correlation_id = f"demo-{run_tag}"
    poc = Client(base_url, tokens["poc"], correlation_id)
    admin = Client(base_url, tokens["admin"], correlation_id)

    say("1. The PoC of Tunisia submits the self-assessment of action plan 5 (2023-2025).")
    created = poc.post("/api/v1/self-assessments", SELF_ASSESSMENT, expect=(201,))
    case_id = created["case_id"]
    say(f"   -> 201, self-assessment {created['id']}, case {case_id}")

    def assigned_expert(not_this=None):
        case = admin.wait_for(f"/api/v1/cases/{case_id}",
                              lambda body: body["status"] == "assigned" and body["expert_id"] != not_this,
                              timeout=timeout, what="assignment")
        return case["expert_id"], case["assignment_reason"]

    first, reason = assigned_expert()
    say(f"2. Review assigned it to {first}: {reason}")
    Client(base_url, tokens[first], correlation_id).post(
        f"/api/v1/cases/{case_id}/decline", {"reason": "I advised the ministry on this plan last year.", "conflict_of_interest": True,
                                                 "affiliation": "Ministry of Finance of Tunisia (adviser, 2024)"})
    expert_id, reason = assigned_expert(not_this=first)
    say(f"3. {first} declined (a conflict of interest); reassigned to {expert_id}: {reason}")

    expert = Client(base_url, tokens[expert_id], correlation_id)
    expert.post(f"/api/v1/cases/{case_id}/accept", {})
    version = expert.get(f"/api/v1/cases/{case_id}")["version"]
    for commitment_id, ratings in RATINGS.items():
        version = expert.put(f"/api/v1/cases/{case_id}/ratings/{commitment_id}", ratings,
                             headers={"If-Match": f'"{version}"'})["version"]
    version = expert.put(f"/api/v1/cases/{case_id}/plan-assessment", PLAN_ASSESSMENT, headers={"If-Match": f'"{version}"'})["version"]
    expert.post(f"/api/v1/cases/{case_id}/submit", {})
    say(f"4. {expert_id} accepted, rated {len(RATINGS)} commitments and the plan's co-creation, and submitted the draft.")

    reviewer = Client(base_url, tokens[REVIEWER], correlation_id)
    reviewer.post(f"/api/v1/cases/{case_id}/quality-decision", {
        "decision": "return",
        "comments": [{"commitment_id": "TN0502", "text": {"en": "Cite the workshop minutes for the completion rating."}}],
    })
    say(f"5. {REVIEWER} (IEP) returned it with a comment on TN0502.")

    revised = dict(RATINGS["TN0502"], completion={"value": "limited", "justification": {"fr": "Un atelier tenu (compte rendu du 12 mars 2025)."},
                                                  "evidence": ["https://tuneps.example.tn/atelier-2025-03-12.pdf"]})
    version = expert.get(f"/api/v1/cases/{case_id}")["version"]
    expert.put(f"/api/v1/cases/{case_id}/ratings/TN0502", revised, headers={"If-Match": f'"{version}"'})
    expert.post(f"/api/v1/cases/{case_id}/submit", {})
    decision = reviewer.post(f"/api/v1/cases/{case_id}/quality-decision", {"decision": "approve"})
    say(f"6. {expert_id} revised TN0502 and resubmitted; {REVIEWER} approved: {decision['status']}.")

    draft = poc.get(f"/api/v1/cases/{case_id}/draft")
    comment = poc.post(f"/api/v1/cases/{case_id}/government-comments", {
        "commitment_id": "TN0501", "text": {"fr": "Le portail publie aussi les données mensuelles depuis mars 2025."}}, expect=(201,))
    expert.post(f"/api/v1/cases/{case_id}/government-comments/{comment['comment_id']}/response",
                {"text": {"fr": "Noté : la justification de l'achèvement mentionne désormais les données mensuelles."}})
    say(f"7. The government commented on TN0501 (window until {draft['government_review_until']}); the expert answered.")

    opened = _retry_until_open(lambda: expert.request("POST", f"/api/v1/cases/{case_id}/open-public-comment",
                                                      expect=(200, 409), json={}), timeout)
    public = Client(base_url, correlation_id=correlation_id)
    public.post(f"/api/v1/cases/{case_id}/public-comments", {
        "commitment_id": "TN0502", "author": "Association Al Bawsala",
        "text": {"ar": "نرحب بالتقييم ونطلب نشر محاضر الورشات."}}, expect=(201,))
    public.post(f"/api/v1/cases/{case_id}/public-comments", {
        "text": {"en": "A source inside the ministry says..."}, "confidential": True}, expect=(201,))
    say(f"8. Public comment open until {opened['closes_at']}: one public comment, one confidential.")

    _retry_until_open(lambda: expert.request("POST", f"/api/v1/cases/{case_id}/finalise", expect=(200, 409), json={}), timeout)
    say(f"9. {expert_id} finalised the findings after the comment period.")

    trail = public.wait_for(f"/api/v1/cases/{case_id}/audit", lambda body: body.get("finding_url"),
                            timeout=timeout, what="publication")
    finding = public.get(trail["finding_url"])
    say(f"10. Published: {trail['finding_url']}")
    seen_by_poc = poc.wait_for(created["status_url"], lambda body: body["case"]["status"] == "published",
                               timeout=timeout, what="the PoC's view of publication")
    say(f"11. The PoC's view of the case: {' -> '.join(step['status'] for step in seen_by_poc['case']['history'])}")
    # Anyone can check the case's history against the signed transparency log. (The demo takes
    # the key from the service for convenience; a sceptic takes it from where it is published.)
    key = VerifierKey.parse(public.get_text("/api/v1/log/key").strip())
    log_report = verify.verify(base_url, key, finding["id"], wait=timeout)
    say(f"12. Transparency log: {'verified' if log_report.ok else 'NOT VERIFIED'} against the checkpoint of "
        f"{log_report.checkpoint['size'] if log_report.checkpoint else '?'} entries.")
    return {"case_id": case_id, "self_assessment_id": created["id"], "correlation_id": correlation_id,
            "declined_by": first, "expert_id": expert_id, "finding": finding, "audit": trail, "poc_view": seen_by_poc,
            "log": log_report}


def _retry_until_open(call, timeout):
    """Comment windows are timed: wait for one to close (409 until then)."""
    deadline = time.monotonic() + timeout
    while True:
        answer = call()
        if "error" not in answer:
            return answer
        if time.monotonic() > deadline:
            raise TimeoutError(answer["error"]["message"])
        time.sleep(0.5)
