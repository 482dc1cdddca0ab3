"""The IRM's own vocabulary, in one place.

Every value here is spelled exactly as the IRM publishes it (see the domain brief):
people who read IRM reports and OGP data must recognise every field. Intake, review
and publication all import these; nothing else defines them.
"""

LANGUAGES = ("ar", "fr", "en")

MEMBER_KINDS = ("national", "local")

# Per-commitment indicators an expert rates.
VERIFIABILITY = ("verifiable", "not_verifiable")
LENS_VALUES = ("transparency", "participation", "accountability")
POTENTIAL_FOR_RESULTS = ("unclear", "modest", "substantial")
COMPLETION = ("no_evidence_available", "not_started", "limited", "substantial", "complete")
DID_IT_OPEN_GOVERNMENT = ("worsened", "did_not_change", "marginal", "major", "outstanding")

# The indicators in the order a report shows them. `verifiability` gates the rest:
# a not-verifiable commitment is "not reviewable" and gets no further indicators.
INDICATORS = (
    "verifiability",
    "open_government_lens",
    "potential_for_results",
    "completion",
    "did_it_open_government",
)
NOT_VERIFIABLE_STOPS_THERE = "A not_verifiable commitment is not reviewable: give no further indicators."


def beyond_not_verifiable(ratings: dict) -> list:
    """The indicators given to a not-verifiable commitment besides its verifiability (none allowed).

    The IRM's gate, here because both sides need it: the ratings contract refuses such a rating
    wherever one is read, and review's rubric (services/review/domain/rubric.py) builds on it."""
    if (ratings.get("verifiability") or {}).get("value") != "not_verifiable":
        return []
    return [name for name in INDICATORS[1:] if ratings.get(name)]

# Per plan: the level of public influence during co-creation (IAP2 spectrum; OGP's
# minimum during development is `involve`), and why a member acted contrary to process.
PUBLIC_INFLUENCE = ("inform", "consult", "involve", "collaborate", "empower")
CONTRARY_TO_PROCESS_REASONS = ("no_plan_within_12_months", "minimum_co_creation_not_met", "no_progress_on_any_commitment")

# Completion as the government reports it uses the IRM completion scale too.
SELF_REPORTED_COMPLETION = COMPLETION

# Roles a bearer token can carry.
ROLES = ("poc", "expert", "quality_reviewer", "admin")

# The review's states in which its expert holds the case, against a deadline (review's workflow; the
# reminder and missed-deadline events name them).
EXPERT_STAGES = ("assigned", "in_review")
