"""Who reviews a case: the assignment policy, as a pure function.

Eligible: available, no conflict of interest with the member (not affiliated with it),
has not declined or dropped this case before, reads at least one language the
self-assessment is written in, and has capacity left. Among the eligible, experts with
expertise in the member or its region come first, then the least loaded; equal loads
are broken by a hash of the case and expert ids, which is deterministic (the same inputs
always give the same expert, so the decision can be re-derived from the record) without
always favouring the same name.
"""
import hashlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ExpertProfile:
    expert_id: str
    languages: tuple
    affiliations: tuple  # member codes the expert works for or is affiliated with
    capacity: int
    load: int  # cases the expert holds now
    available: bool = True
    expertise: tuple = ()  # member codes and regions the expert knows


def profile(expert) -> ExpertProfile:
    """The profile of a registry entry (any object with the Expert document's attributes)."""
    return ExpertProfile(expert.expert_id, tuple(expert.languages), tuple(expert.affiliations), expert.capacity,
                         expert.active_cases, expert.available, tuple(expert.expertise or ()))


# What a profile needs of a stored registry entry: each assignment reads these fields of every expert, as stored
# (loading each entry through the ODM was a tenth of review's CPU per case).
STORED_FIELDS = ("languages", "affiliations", "capacity", "active_cases", "available", "expertise")


def profile_of_stored(raw: dict) -> ExpertProfile:
    """The profile of a registry entry as the database holds it (the Expert document's fields, its id as `_id`;
    a list or flag left out is at the document's default)."""
    return ExpertProfile(raw["_id"], tuple(raw.get("languages") or ()), tuple(raw.get("affiliations") or ()),
                         raw["capacity"], raw.get("active_cases", 0), raw.get("available", True),
                         tuple(raw.get("expertise") or ()))


@dataclass(frozen=True)
class Candidate:
    expert_id: str
    eligible: bool
    reasons: tuple
    load: int
    capacity: int
    expertise_match: bool = False
    # The reasons as codes with their values, for a page to say in its language (WHY); `reasons` is the record's words.
    why: tuple = ()

    def as_dict(self) -> dict:
        return {"expert_id": self.expert_id, "eligible": self.eligible, "reasons": list(self.reasons),
                "load": self.load, "capacity": self.capacity, "expertise_match": self.expertise_match}


@dataclass(frozen=True)
class AssignmentDecision:
    expert_id: str | None
    reason: str
    candidates: tuple = field(default_factory=tuple)

    def candidates_as_dicts(self) -> list:
        return [candidate.as_dict() for candidate in self.candidates]


def tie_break_key(case_id: str, expert_id: str) -> str:
    return hashlib.sha256(f"{case_id}:{expert_id}".encode()).hexdigest()


# Why an expert may not take a case, each a code with its values (Candidate.why), in `assess`'s order.
WHY = ("unavailable", "conflict_of_interest", "declined_before", "no_shared_language", "at_capacity", "eligible")


def assess(expert: ExpertProfile, member_code: str, languages, region=None, excluded=()) -> Candidate:
    reasons, why = [], []
    if not expert.available:
        reasons.append("unavailable")
        why.append(("unavailable", {}))
    if member_code in expert.affiliations:
        reasons.append(f"conflict of interest: affiliated with {member_code}")
        why.append(("conflict_of_interest", {"member": member_code}))
    if expert.expert_id in excluded:
        reasons.append("declined or missed a deadline on this case before")
        why.append(("declined_before", {}))
    shared = [lang for lang in languages if lang in expert.languages]
    if not shared:
        reasons.append(f"reads none of {', '.join(languages)}")
        why.append(("no_shared_language", {"languages": list(languages)}))
    if expert.load >= expert.capacity:
        reasons.append(f"at capacity ({expert.load} of {expert.capacity})")
        why.append(("at_capacity", {"load": expert.load, "capacity": expert.capacity}))
    match = member_code in expert.expertise or (region is not None and region in expert.expertise)
    eligible = not reasons
    if eligible:
        why.append(("eligible", {"languages": shared, "expertise_match": match}))
        reasons.append(f"eligible: no conflict with {member_code}, reads {', '.join(shared)}, holds {expert.load} of "
                       f"{expert.capacity}" + (f", expertise in {member_code if member_code in expert.expertise else region}" if match else ""))
    return Candidate(expert.expert_id, eligible=eligible, reasons=tuple(reasons), load=expert.load,
                     capacity=expert.capacity, expertise_match=match, why=tuple(why))


def choose_expert(case_id: str, member_code: str, languages, experts, region=None, excluded=()) -> AssignmentDecision:
    candidates = sorted((assess(expert, member_code, languages, region, excluded) for expert in experts),
                        key=lambda c: c.expert_id)
    eligible = [candidate for candidate in candidates if candidate.eligible]
    if not eligible:
        return AssignmentDecision(None, f"No expert qualifies for {member_code} among {len(candidates)} in the registry.", tuple(candidates))
    experts_of_region = [candidate for candidate in eligible if candidate.expertise_match]
    pool = experts_of_region or eligible
    least = min(candidate.load for candidate in pool)
    tied = [candidate for candidate in pool if candidate.load == least]
    chosen = min(tied, key=lambda candidate: tie_break_key(case_id, candidate.expert_id))
    reason = (f"{chosen.expert_id} is the least loaded ({least} cases) of {len(pool)} eligible experts"
              + (f" with expertise in {member_code} or its region" if experts_of_region else "")
              + f" (no conflict of interest with {member_code}, a shared language, capacity left)")
    if len(tied) > 1:
        reason += f"; tie among {len(tied)} broken by sha256(case_id:expert_id)"
    return AssignmentDecision(chosen.expert_id, reason + ".", tuple(candidates))
