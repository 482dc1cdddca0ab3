from hypothesis import given, settings, strategies as st

from services.review.domain.assignment import ExpertProfile, choose_expert

MEMBERS = ["TN", "MA", "MA-BMK", "TN-KEF"]
LANGS = ["ar", "fr", "en"]


def expert(expert_id, languages=("ar", "fr"), affiliations=(), capacity=3, load=0, available=True, expertise=()):
    return ExpertProfile(expert_id, tuple(languages), tuple(affiliations), capacity, load, available, tuple(expertise))


def test_least_loaded_eligible_expert_wins_and_each_exclusion_is_explained():
    decision = choose_expert("case_1", "TN", ["ar"], [
        expert("a-conflicted", affiliations=["TN"]),
        expert("b-english", languages=["en"]),
        expert("c-full", capacity=2, load=2),
        expert("d-away", available=False),
        expert("e-busy", load=2),
        expert("f-free", load=1),
    ])
    assert decision.expert_id == "f-free"
    reasons = {c.expert_id: c.reasons for c in decision.candidates}
    assert reasons["a-conflicted"] == ("conflict of interest: affiliated with TN",)
    assert reasons["b-english"] == ("reads none of ar",)
    assert reasons["c-full"] == ("at capacity (2 of 2)",)
    assert reasons["d-away"] == ("unavailable",)
    assert [c.eligible for c in decision.candidates] == [False, False, False, False, True, True]
    assert "least loaded (1 cases) of 2 eligible" in decision.reason


def test_nobody_qualifies():
    decision = choose_expert("case_1", "TN", ["ar"], [expert("a", affiliations=["TN"])])
    assert decision.expert_id is None and "No expert qualifies" in decision.reason


def test_tie_break_is_deterministic_and_does_not_always_favour_one_name():
    experts = [expert("exp-a"), expert("exp-b"), expert("exp-c")]
    picks = {choose_expert(f"case_{n}", "TN", ["fr"], experts).expert_id for n in range(30)}
    assert picks == {"exp-a", "exp-b", "exp-c"}
    assert choose_expert("case_7", "TN", ["fr"], experts) == choose_expert("case_7", "TN", ["fr"], list(reversed(experts)))


registries = st.lists(
    st.builds(
        ExpertProfile,
        expert_id=st.text("abcdefgh", min_size=1, max_size=4),
        languages=st.lists(st.sampled_from(LANGS), min_size=1, max_size=3, unique=True).map(tuple),
        affiliations=st.lists(st.sampled_from(MEMBERS), max_size=3, unique=True).map(tuple),
        capacity=st.integers(0, 4),
        load=st.integers(0, 5),
        available=st.booleans(),
    ),
    max_size=12, unique_by=lambda e: e.expert_id,
)


@settings(max_examples=400, deadline=None)
@given(registries, st.sampled_from(MEMBERS), st.lists(st.sampled_from(LANGS), min_size=1, max_size=3, unique=True),
       st.text("0123456789abcdef", min_size=1, max_size=8))
def test_the_chosen_expert_is_never_conflicted_and_always_qualified(experts, member, languages, case_id):
    decision = choose_expert(case_id, member, languages, experts)
    qualified = [e for e in experts if e.available and member not in e.affiliations
                 and set(e.languages) & set(languages) and e.load < e.capacity]
    if not qualified:
        assert decision.expert_id is None
        return
    chosen = next(e for e in experts if e.expert_id == decision.expert_id)
    assert member not in chosen.affiliations
    assert chosen in qualified
    assert chosen.load == min(e.load for e in qualified)
    assert len(decision.candidates) == len(experts)


def test_region_expertise_is_preferred_then_load_and_former_decliners_are_excluded():
    experts = [expert("exp-general", load=0), expert("exp-mena", load=2, capacity=5, expertise=["MENA"]),
               expert("exp-tn", load=3, capacity=5, expertise=["TN"]), expert("exp-declined", load=0, expertise=["TN"])]
    decision = choose_expert("case_1", "TN", ["fr"], experts, region="MENA", excluded=("exp-declined",))
    assert decision.expert_id == "exp-mena"  # expertise first, then the least loaded among those
    reasons = {c.expert_id: c.reasons for c in decision.candidates}
    assert reasons["exp-declined"] == ("declined or missed a deadline on this case before",)
    assert "with expertise in TN or its region" in decision.reason
    assert choose_expert("case_1", "TN", ["fr"], experts[:1], region="MENA").expert_id == "exp-general"


def test_each_reason_has_its_code_and_values_for_a_page_to_say_in_its_language():
    from services.review.domain.assignment import WHY, assess

    barred = ExpertProfile("exp-x", ("en",), ("TN",), 2, 2, available=False)
    candidate = assess(barred, "TN", ("ar", "fr"), excluded=("exp-x",))
    assert [code for code, _ in candidate.why] == ["unavailable", "conflict_of_interest", "declined_before",
                                                   "no_shared_language", "at_capacity"]
    assert dict(candidate.why)["at_capacity"] == {"load": 2, "capacity": 2} and len(candidate.reasons) == 5
    fine = assess(ExpertProfile("exp-y", ("fr",), (), 3, 1, expertise=("TN",)), "TN", ("ar", "fr"))
    assert fine.why == (("eligible", {"languages": ["fr"], "expertise_match": True}),) and fine.eligible
    assert {code for code, _ in candidate.why + fine.why} <= set(WHY)
