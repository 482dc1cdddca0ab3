"""Who reviews a case: the assignment policy, as a pure function.

Eligible: available, no conflict of interest with the member (not affiliated with it),
reads at least one language the self-assessment is written in, and has capacity left.
Among the eligible, the least loaded wins; equal loads are broken by a hash of the case
and expert ids, which is deterministic (the same inputs always give the same expert, so
the decision can be re-derived from the record) without always favouring the same name.
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


@dataclass(frozen=True)
class Candidate:
    expert_id: str
    eligible: bool
    reasons: tuple
    load: int
    capacity: int

    def as_dict(self) -> dict:
        return {"expert_id": self.expert_id, "eligible": self.eligible, "reasons": list(self.reasons),
                "load": self.load, "capacity": self.capacity}


@dataclass(frozen=True)
class AssignmentDecision:
    expert_id: str | None
    reason: str
    candidates: tuple = field(default_factory=tuple)

    def candidates_as_dicts(self) -> list:
        return [candidate.as_dict() for candidate in self.candidates]


def tie_break_key(case_id: str, expert_id: str) -> str:
    return hashlib.sha256(f"{case_id}:{expert_id}".encode()).hexdigest()


def assess(expert: ExpertProfile, member_code: str, languages) -> Candidate:
    reasons = []
    if not expert.available:
        reasons.append("unavailable")
    if member_code in expert.affiliations:
        reasons.append(f"conflict of interest: affiliated with {member_code}")
    shared = [lang for lang in languages if lang in expert.languages]
    if not shared:
        reasons.append(f"reads none of {', '.join(languages)}")
    if expert.load >= expert.capacity:
        reasons.append(f"at capacity ({expert.load} of {expert.capacity})")
    if not reasons:
        reasons.append(f"eligible: no conflict with {member_code}, reads {', '.join(shared)}, holds {expert.load} of {expert.capacity}")
    return Candidate(expert.expert_id, eligible=len(reasons) == 1 and reasons[0].startswith("eligible"),
                     reasons=tuple(reasons), load=expert.load, capacity=expert.capacity)


def choose_expert(case_id: str, member_code: str, languages, experts) -> AssignmentDecision:
    candidates = sorted((assess(expert, member_code, languages) for expert in experts), key=lambda c: c.expert_id)
    eligible = [candidate for candidate in candidates if candidate.eligible]
    if not eligible:
        return AssignmentDecision(None, f"No expert qualifies for {member_code} among {len(candidates)} in the registry.", tuple(candidates))
    least = min(candidate.load for candidate in eligible)
    tied = [candidate for candidate in eligible if candidate.load == least]
    chosen = min(tied, key=lambda candidate: tie_break_key(case_id, candidate.expert_id))
    reason = (f"{chosen.expert_id} is the least loaded ({least} cases) of {len(eligible)} eligible experts "
              f"(no conflict of interest with {member_code}, a shared language, capacity left)")
    if len(tied) > 1:
        reason += f"; tie among {len(tied)} broken by sha256(case_id:expert_id)"
    return AssignmentDecision(chosen.expert_id, reason + ".", tuple(candidates))
