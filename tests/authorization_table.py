"""Who may call which endpoint, written out by hand: the expectation the authorization test
checks every endpoint against, and the source of README's "Roles" table and the "who" column
of its "Endpoints" table (tests/unit/test_access.py compares them).

Written here, never computed from shared/access.py, so the test fails when the code differs.

An answer is OK (the request passed authorization, whatever 2xx, 409 or 422 followed),
401, 403 or 404. A cell that depends on the stage is `{stage: answer}` over every STAGE.
"""

OK = "allowed"

# The callers, in README's order.
CALLERS = (
    "no_token", "revoked_token", "unknown_token",
    "member_poc", "other_poc",
    "assigned_expert", "unassigned_expert", "past_expert",
    "quality_reviewer", "admin",
)

# The stages in which a case is tried: `returned` is in_review after quality review returned
# it; `published` is approved and published.
STAGES = ("in_review", "returned", "quality_review", "government_review", "public_comment", "published")


def from_stage(first, before=404, then=OK):
    """`then` from `first` on (in STAGES' order), `before` earlier."""
    start = STAGES.index(first)
    return {stage: (then if i >= start else before) for i, stage in enumerate(STAGES)}


def row(service, method, path, *, no_token=401, revoked_token=None, unknown_token=None, member_poc=403, other_poc=None,
        assigned_expert=403, unassigned_expert=None, past_expert=None, quality_reviewer=403, admin=403, staged=False, note=None):
    """One endpoint (`note`: what README adds to its "who", such as what a list shows whom). Unnamed callers default to their group's first: a revoked or unknown token to
    no_token, another member's poc to the member's, other experts to the assigned one."""
    tokenless = lambda value: no_token if value is None else value  # noqa: E731
    answers = {
        "no_token": no_token, "revoked_token": tokenless(revoked_token), "unknown_token": tokenless(unknown_token),
        "member_poc": member_poc, "other_poc": member_poc if other_poc is None else other_poc,
        "assigned_expert": assigned_expert,
        "unassigned_expert": assigned_expert if unassigned_expert is None else unassigned_expert,
        "past_expert": assigned_expert if past_expert is None else past_expert,
        "quality_reviewer": quality_reviewer, "admin": admin,
    }
    if no_token == OK and revoked_token is None and unknown_token is None:
        answers["revoked_token"] = answers["unknown_token"] = OK  # a public endpoint ignores tokens
    return {"service": service, "method": method, "path": path, "staged": staged, "answers": answers, "note": note}


SESSION_ONLY_NOTE = "the signed-in person, by the session cookie (any bearer token: 403)"
PUBLIC = dict(no_token=OK, member_poc=OK, assigned_expert=OK, quality_reviewer=OK, admin=OK)
ANY_TOKEN = dict(member_poc=OK, assigned_expert=OK, quality_reviewer=OK, admin=OK)
ASSIGNED = dict(assigned_expert=OK, unassigned_expert=404, past_expert=404)
QUALITY_REVIEW_ON = from_stage("returned")  # a returned case has been in quality review

ENDPOINTS = [
    # --- intake ---------------------------------------------------------------------------------
    row("intake", "POST", "/api/v1/evidence", member_poc=OK, admin=OK),
    row("intake", "GET", "/api/v1/evidence/{file_id}", **ANY_TOKEN, other_poc=404),
    row("intake", "POST", "/api/v1/self-assessments", member_poc=OK, other_poc=403, admin=OK),
    row("intake", "GET", "/api/v1/self-assessments", **ANY_TOKEN, note="lists a poc only its member's"),
    row("intake", "GET", "/api/v1/self-assessments/{id}", **ANY_TOKEN, other_poc=404),
    row("intake", "POST", "/api/v1/action-plans/{member}/{n}/commitments", member_poc=OK, other_poc=403, admin=OK),
    row("intake", "GET", "/api/v1/action-plans/{member}/{n}/commitments", **ANY_TOKEN, other_poc=403),
    row("intake", "GET", "/api/v1/action-plans/{member}/{n}/self-assessment-draft", member_poc=OK, other_poc=403, admin=OK),
    row("intake", "PUT", "/api/v1/action-plans/{member}/{n}/self-assessment-draft", member_poc=OK, other_poc=403, admin=OK),
    row("intake", "GET", "/api/v1/members/{member}/action-plans", member_poc=OK, other_poc=403, admin=OK),
    row("intake", "GET", "/api/v1/members", admin=OK),
    *(row(service, "GET", f"/api/v1/openapi/{service}.json", **PUBLIC) for service in ("intake", "review", "publication", "accounts")),
    # --- review: the registry and the case list ---------------------------------------------------
    row("review", "GET", "/api/v1/experts", admin=OK),
    row("review", "POST", "/api/v1/experts", admin=OK),
    row("review", "PUT", "/api/v1/experts/{id}", admin=OK),
    row("review", "GET", "/api/v1/operator/waiting-cases", admin=OK),
    row("review", "GET", "/api/v1/cases", assigned_expert=OK, quality_reviewer=OK, admin=OK,
        note="lists each caller the cases it may read, and an expert's past cases as a summary"),
    # --- review: one case, in every stage ---------------------------------------------------------
    row("review", "GET", "/api/v1/cases/{id}", **ASSIGNED, quality_reviewer=QUALITY_REVIEW_ON, admin=OK, staged=True),
    row("review", "GET", "/api/v1/cases/{id}/draft", member_poc=from_stage("government_review"), other_poc=404,
        **ASSIGNED, quality_reviewer=QUALITY_REVIEW_ON, admin=OK, staged=True),
    row("review", "POST", "/api/v1/cases/{id}/accept", **ASSIGNED, staged=True),
    row("review", "POST", "/api/v1/cases/{id}/decline", **ASSIGNED, staged=True),
    row("review", "PUT", "/api/v1/cases/{id}/ratings/{commitment_id}", **ASSIGNED, staged=True),
    row("review", "PUT", "/api/v1/cases/{id}/plan-assessment", **ASSIGNED, staged=True),
    row("review", "POST", "/api/v1/cases/{id}/submit", **ASSIGNED, staged=True),
    row("review", "POST", "/api/v1/cases/{id}/quality-decision", quality_reviewer=QUALITY_REVIEW_ON, staged=True,
        note="never on a case they authored (403)"),
    row("review", "POST", "/api/v1/cases/{id}/government-comments", member_poc=OK, other_poc=404, staged=True),
    row("review", "POST", "/api/v1/cases/{id}/government-comments/{cid}/response", **ASSIGNED, staged=True),
    row("review", "POST", "/api/v1/cases/{id}/open-public-comment", **ASSIGNED, admin=OK, staged=True),
    row("review", "GET", "/api/v1/cases/{id}/public-draft", no_token=from_stage("public_comment"),
        member_poc=from_stage("public_comment"), assigned_expert=from_stage("public_comment"),
        quality_reviewer=from_stage("public_comment"), admin=from_stage("public_comment"), staged=True),
    # Anonymous by design: a token is refused (401), so a comment is never tied to an account.
    row("review", "POST", "/api/v1/cases/{id}/public-comments", no_token=OK, revoked_token=401, unknown_token=401,
        member_poc=401, assigned_expert=401, quality_reviewer=401, admin=401, staged=True),
    row("review", "POST", "/api/v1/cases/{id}/finalise", **ASSIGNED, staged=True),
    row("review", "POST", "/api/v1/cases/{id}/correct", admin=OK, staged=True),
    # --- publication ------------------------------------------------------------------------------
    row("publication", "POST", "/api/v1/findings/{id}/withdraw", quality_reviewer=OK, admin=OK),
    *(row("publication", "GET", path, **PUBLIC) for path in (
        "/api/v1/findings", "/api/v1/findings/{id}", "/api/v1/feeds/findings.atom", "/api/v1/feeds/findings.json",
        "/api/v1/open-data/commitments.csv", "/api/v1/open-data/commitments.json", "/api/v1/open-data/data-dictionary.json",
        "/api/v1/cases/{id}/audit", "/api/v1/cases/{id}/timeline", "/api/v1/corrections", "/api/v1/log/checkpoint", "/api/v1/log/checkpoints",
        "/api/v1/log/checkpoints/{size}", "/api/v1/log/proofs/inclusion", "/api/v1/log/proofs/consistency",
        "/api/v1/log/entries", "/api/v1/log/key")),
    # --- accounts ---------------------------------------------------------------------------------
    row("accounts", "POST", "/api/v1/invitations", admin=OK),
    # Links and sign-in are for anyone (a token is ignored); the security log for admins.
    *(row("accounts", "POST", path, **PUBLIC) for path in (
        "/api/v1/invitations/accept", "/api/v1/invitations/confirm", "/api/v1/sessions", "/api/v1/password-resets",
        "/api/v1/password-resets/complete")),
    row("accounts", "GET", "/api/v1/me", **ANY_TOKEN),
    # The signed-in person's own: by the session cookie only, never a bearer token (shared/access.py: SESSION_ONLY).
    *(row("accounts", method, path, note=SESSION_ONLY_NOTE) for method, path in (
        ("DELETE", "/api/v1/sessions/current"), ("DELETE", "/api/v1/sessions"), ("PUT", "/api/v1/me/password"),
        ("GET", "/api/v1/me/tokens"), ("POST", "/api/v1/me/tokens"), ("DELETE", "/api/v1/me/tokens/{token_id}"),
        ("PUT", "/api/v1/me/mail-preferences"))),
    row("accounts", "GET", "/api/v1/security-log", admin=OK),
    row("accounts", "GET", "/api/v1/people", admin=OK),
    row("accounts", "POST", "/api/v1/people/{id}/unlock", admin=OK),
    row("accounts", "GET", "/api/v1/operator/messages", admin=OK),
    row("accounts", "GET", "/api/v1/operator/messages/{id}", admin=OK),
    row("accounts", "POST", "/api/v1/operator/messages/{id}/replay", admin=OK),
    *(row(service, "GET", "/health", **PUBLIC) for service in ("intake", "review", "publication", "accounts")),
    *(row(service, "GET", "/metrics", **PUBLIC) for service in ("intake", "review", "publication", "accounts")),
]

# README's "Roles" table, row by row. Each "may" is a list of facts, and each fact names the endpoints of the
# grid above that bear it out: `caller` is allowed on every one of `endpoints`, and each of `not_for` is
# allowed on none of `own` (tests/unit/test_access.py: test_each_role_may_what_the_grid_allows). A `{stage}`
# in the words is the grid's own stage of `caller` on the first endpoint ("from government review on").
def fact(words, caller, endpoints, *, not_for=(), own=None):
    return {"words": words, "caller": caller, "endpoints": tuple(endpoints), "not_for": tuple(not_for),
            "own": tuple(endpoints if own is None else own)}


_CASE = "/api/v1/cases/{id}"
ROLES = [
    ("poc", "a government point of contact", "one member", [
        fact("its member's self-assessments, evidence and action plans", "member_poc",
             [("POST", "/api/v1/evidence"), ("GET", "/api/v1/evidence/{file_id}"), ("POST", "/api/v1/self-assessments"),
              ("GET", "/api/v1/self-assessments/{id}"), ("POST", "/api/v1/action-plans/{member}/{n}/commitments"),
              ("GET", "/api/v1/action-plans/{member}/{n}/commitments")],
             not_for=["other_poc"],
             own=[("GET", "/api/v1/evidence/{file_id}"), ("POST", "/api/v1/self-assessments"),
                  ("GET", "/api/v1/self-assessments/{id}"), ("POST", "/api/v1/action-plans/{member}/{n}/commitments"),
                  ("GET", "/api/v1/action-plans/{member}/{n}/commitments")]),
        fact("; its member's draft findings {stage}, to comment", "member_poc",
             [("GET", _CASE + "/draft"), ("POST", _CASE + "/government-comments")], not_for=["other_poc"]),
    ]),
    ("expert", "an IRM researcher", "their expert id", [
        fact("the cases assigned to them: read, rate, submit, answer, finalise", "assigned_expert",
             [("GET", _CASE), ("PUT", _CASE + "/ratings/{commitment_id}"), ("POST", _CASE + "/submit"),
              ("POST", _CASE + "/government-comments/{cid}/response"), ("POST", _CASE + "/finalise")],
             not_for=["unassigned_expert", "past_expert"]),
        fact(". A case they declined or missed a deadline on stays in their list as id, status, member and cycle only",
             "past_expert", [("GET", "/api/v1/cases")]),
    ]),
    ("quality_reviewer", "an IEP member",
     "their id; or, invited with `expert_id`, the registry entry they also are (their own drafts are then known)", [
        fact("cases {stage} (a returned case too): read, approve or return any they did not author", "quality_reviewer",
             [("GET", _CASE), ("POST", _CASE + "/quality-decision")]),
        fact("; withdraw findings", "quality_reviewer", [("POST", "/api/v1/findings/{id}/withdraw")]),
    ]),
    ("admin", "an operator", "—", [
        # Everything but what only a signed-in person reads of their own (their personal tokens).
        fact("read everything", "admin",
             [(e["method"], e["path"]) for e in ENDPOINTS if e["method"] == "GET" and e["note"] != SESSION_ONLY_NOTE]),
        fact(", submit for any member", "admin",
             [("POST", "/api/v1/self-assessments"), ("POST", "/api/v1/action-plans/{member}/{n}/commitments")]),
        fact(", the expert registry", "admin",
             [("GET", "/api/v1/experts"), ("POST", "/api/v1/experts"), ("PUT", "/api/v1/experts/{id}")]),
        fact(", corrections", "admin", [("POST", _CASE + "/correct")]),
        fact(", replaying rejected messages", "admin", [("POST", "/api/v1/operator/messages/{id}/replay")]),
    ]),
]


def endpoint(method, path):
    return next(e for e in ENDPOINTS if e["method"] == method and e["path"] == path)


def may(facts) -> str:
    """A role's "may", in words, its stages as the grid has them."""
    def words(one):
        if "{stage}" not in one["words"]:
            return one["words"]
        method, path = one["endpoints"][0]
        return one["words"].replace("{stage}", _stage_phrase(endpoint(method, path)["answers"][one["caller"]]))
    return "".join(words(one) for one in facts)


# --- README's "who": rendered from the answers above, so README cannot say one thing and the grid another ----
def _allowed(value) -> bool:
    return value == OK or (isinstance(value, dict) and OK in value.values())


def _stage_phrase(value) -> str:
    """When a staged cell allows: "in or past quality review" (from a returned case on), "from <stage> on"."""
    first = next(stage for stage in STAGES if value[stage] == OK)
    return "in or past quality review" if first == "returned" else f"from {first.replace('_', ' ')} on"


def _stage_note(value) -> str:
    if isinstance(value, dict) and set(value.values()) != {OK}:
        phrase = _stage_phrase(value)
        return f" ({phrase.removesuffix(' on')})"
    return ""


def who(endpoint) -> str:
    """The README's "who" of one endpoint, in words, from its answers (and its note)."""
    said = _who(endpoint["answers"])
    if not said:  # no token may: the note says who may
        return endpoint["note"]
    return f"{said}; {endpoint['note']}" if endpoint["note"] else said


def _who(a) -> str:
    if _allowed(a["no_token"]):
        return ("public, no token" if not _allowed(a["member_poc"]) else "public") + _stage_note(a["no_token"])
    token_holders = ("member_poc", "assigned_expert", "unassigned_expert", "past_expert", "quality_reviewer", "admin")
    if all(a[c] == OK for c in token_holders):
        return "any token" + ("" if a["other_poc"] == OK else " (poc: own member)")
    parts = []
    if _allowed(a["member_poc"]):
        own = a["other_poc"] != a["member_poc"]
        note = _stage_note(a["member_poc"]).strip(" ()")
        qualifiers = ", ".join(q for q in ("own member" if own else "", note) if q)
        parts.append("poc" + (f" ({qualifiers})" if qualifiers else ""))
    if _allowed(a["assigned_expert"]):
        parts.append("expert" if a["unassigned_expert"] == OK else "assigned expert")
    if _allowed(a["quality_reviewer"]):
        parts.append("quality_reviewer" + _stage_note(a["quality_reviewer"]))
    if _allowed(a["admin"]):
        parts.append("admin")
    return ", ".join(parts)


def roles_table() -> str:
    lines = ["| role | who | bound to | may |", "|---|---|---|---|"]
    lines += [f"| `{role}` | {person} | {bound} | {may(facts)} |" for role, person, bound, facts in ROLES]
    return "\n".join(lines)
