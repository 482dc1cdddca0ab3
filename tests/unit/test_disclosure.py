"""The disclosure rule (shared/disclosure.py) and sealed content (shared/audit.py: seal)."""
import ast
import pathlib

import pytest

from shared import audit, disclosure

ROOT = pathlib.Path(__file__).resolve().parents[2]


def chain(*specs):
    """Entries from (action, sealed content or None, data) triples, hashed and linked as the services write them."""
    entries, previous = [], None
    for action, content, data in specs:
        entry = audit.next_entry(previous, case_id="c1", occurred_at="2026-12-01T00:00:00.000Z", service="review",
                                 action=action, actor={"role": "expert", "id": "exp-a"}, reason="why", data=data or {},
                                 correlation_id="corr", sealed=None if content is None else audit.seal(content))
        entries.append(entry)
        previous = entry
    return entries


def public_view(entries):
    reached = disclosure.moments_reached(entries)
    return [disclosure.public_entry(e, reached, e.get("sealed")) for e in entries]


RATING = ("rating.saved", {"ratings": {"completion": {"value": "limited", "justification": {"fr": "secret"}}}}, {"commitment_id": "X1"})
PUBLIC = ("public.commented", {"text": {"ar": "تعليق"}, "author": "Al Bawsala"}, {"confidential": False})
CONFIDENTIAL = ("public.commented", {"text": {"en": "whistle"}, "author": None}, {"confidential": True})
GOVERNMENT = ("government.commented", {"text": {"fr": "Données"}}, {"comment_id": "gc1"})
RETURNED = ("review.returned", {"comments": [{"commitment_id": "X1", "text": {"en": "Say why"}}]}, {"comments": 1})
OPENED = ("review.public_comment_opened", None, {})
PUBLISHED = ("finding.published", None, {})


def test_the_entry_and_its_log_leaf_hold_only_a_salted_fingerprint_of_what_was_sealed():
    entry = chain(RATING)[0]
    leaf = audit.log_leaf(entry).decode()
    assert "secret" not in leaf and "limited" not in leaf and "sealed_sha256" in leaf
    assert audit.entry_hash(entry) == entry["hash"]
    assert audit.sealed_matches(entry, entry["sealed"])
    # The same content sealed twice has two fingerprints: a guessed value cannot be confirmed by hashing it.
    again = chain(RATING)[0]
    assert again["data"]["sealed_sha256"] != entry["data"]["sealed_sha256"]


@pytest.mark.parametrize("forged", [
    {"salt": "00" * 16, "content": RATING[1]},
    "content-without-salt",
    {"content": RATING[1]},
])
def test_a_disclosed_content_that_is_not_what_the_entry_committed_to_does_not_match(forged):
    entry = chain(RATING)[0]
    changed = {"salt": entry["sealed"]["salt"], "content": {"ratings": {"completion": {"value": "complete"}}}}
    assert not audit.sealed_matches(entry, changed)
    assert not audit.sealed_matches(entry, forged)


def test_under_review_nothing_sealed_is_public_but_a_non_confidential_public_comment():
    views = public_view(chain(RATING, RETURNED, GOVERNMENT))
    assert [v.get("withheld") for v in views] == [{"until": "public_comment"}, {"until": "publication"}, {"until": "publication"}]
    assert not any("sealed" in v for v in views)


def test_the_draft_is_public_from_public_comment_and_the_rest_at_publication():
    entries = chain(RATING, RETURNED, GOVERNMENT, OPENED, PUBLIC, CONFIDENTIAL, PUBLISHED)
    views = public_view(entries[:-1])
    assert "sealed" in views[0]  # the draft's values, now that the draft is public
    assert views[1]["withheld"] == views[2]["withheld"] == {"until": "publication"}
    assert views[4]["sealed"]["content"]["author"] == "Al Bawsala"
    assert views[5]["withheld"] == {"until": "never"}
    published = public_view(entries)
    assert ["sealed" in v for v in published[:6]] == [True, True, True, False, True, False]
    assert published[5]["withheld"] == {"until": "never"}  # a confidential comment, never


def test_a_moment_counts_only_after_the_entry_a_correction_round_waits_again():
    first_round = chain(RATING, OPENED, PUBLISHED)
    correction = chain(("review.correction_opened", None, {}), RATING)
    correction = [{**e, "seq": e["seq"] + len(first_round)} for e in correction]
    views = public_view(first_round + correction)
    assert "sealed" in views[0]
    assert views[-1]["withheld"] == {"until": "public_comment"}


def test_sealed_content_of_an_action_the_rule_does_not_name_stays_withheld():
    views = public_view(chain(("review.something_new", {"text": "x"}, {}), OPENED, PUBLISHED))
    assert views[0]["withheld"] == {"until": "never"}


def test_a_disclosed_content_erased_from_the_store_says_so():
    entries = chain(RATING, OPENED)
    reached = disclosure.moments_reached(entries)
    assert disclosure.public_entry(entries[0], reached, None)["withheld"] == {"until": None, "erased": True}


def _sealed_record_calls():
    """(file, action) of every `*.record(..., action="...", sealed=...)` call in the services."""
    for path in (ROOT / "services").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "record":
                keywords = {k.arg: k.value for k in node.keywords}
                if "sealed" in keywords:
                    action = keywords.get("action")
                    yield path.relative_to(ROOT), action.value if isinstance(action, ast.Constant) else ast.unparse(action)


def test_every_action_that_seals_content_has_a_disclosure_moment():
    calls = list(_sealed_record_calls())
    assert len(calls) >= 7
    unnamed = [(str(path), action) for path, action in calls if action not in disclosure.DISCLOSED_BY]
    assert not unnamed, f"say in shared/disclosure.py when these become public: {unnamed}"
