"""The transparency log's rules: RFC 6962 trees and proofs, C2SP signed notes and checkpoints.

The reference here is RFC 6962's recursive definitions (MTH, PATH, PROOF) written literally,
which share nothing with the iterative, storage-backed code under test.
"""
import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.transparency import merkle
from shared.transparency.note import (
    Checkpoint, NoteError, SigningKey, VerifierKey, open_checkpoint, open_note, sign_checkpoint, sign_note,
)


# --- RFC 6962 section 2.1, literally -----------------------------------------------------
def _k(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d):
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = _k(len(d))
    return hashlib.sha256(b"\x01" + mth(d[:k]) + mth(d[k:])).digest()


def path(m, d):
    if len(d) == 1:
        return []
    k = _k(len(d))
    return path(m, d[:k]) + [mth(d[k:])] if m < k else path(m - k, d[k:]) + [mth(d[:k])]


def proof(m, d):
    def subproof(m, d, b):
        if m == len(d):
            return [] if b else [mth(d)]
        k = _k(len(d))
        if m <= k:
            return subproof(m, d[:k], b) + [mth(d[k:])]
        return subproof(m - k, d[k:], False) + [mth(d[:k])]

    return subproof(m, d, True)


def leaves(n):
    return [f"entry {i}".encode() for i in range(n)]


def stored_tree(data, batches=(1,)):
    """Grow a stored tree the way the sequencer does, in batches of the given sizes (cycled)."""
    stored, size, i = {}, 0, 0
    while size < len(data):
        batch = data[size: size + batches[i % len(batches)]]
        border = [stored[c] for c in merkle.subtrees(0, size)]
        stored.update(merkle.append(size, border, [merkle.leaf_hash(x) for x in batch]))
        size += len(batch)
        i += 1
    return stored


def proof_hashes(ranges, stored):
    return [merkle.range_hash(lo, hi, stored) for lo, hi in ranges]


# --- trees ---------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(n=st.integers(min_value=0, max_value=70), batches=st.lists(st.integers(1, 9), min_size=1, max_size=4))
def test_the_stored_tree_has_rfc6962_roots_at_every_size_whatever_the_batches(n, batches):
    data = leaves(n)
    stored = stored_tree(data, batches)
    for size in range(n + 1):
        assert merkle.root(size, stored) == mth(data[:size])


def test_leaf_and_node_hashes_are_domain_separated():
    a, b = merkle.leaf_hash(b"a"), merkle.leaf_hash(b"b")
    assert merkle.leaf_hash(a + b) != merkle.node_hash(a, b)
    assert merkle.EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_a_range_rfc6962_never_hashes_is_refused():
    with pytest.raises(ValueError):
        merkle.subtrees(1, 3)


# --- proofs --------------------------------------------------------------------------------
def test_inclusion_proofs_equal_rfc6962_path_and_verify_for_every_leaf():
    data = leaves(40)
    stored = stored_tree(data, (3,))
    for size in range(1, 41):
        root = mth(data[:size])
        for index in range(size):
            hashes = proof_hashes(merkle.inclusion_ranges(index, size), stored)
            assert hashes == path(index, data[:size])
            assert merkle.verify_inclusion(merkle.leaf_hash(data[index]), index, size, hashes, root)


def test_consistency_proofs_equal_rfc6962_proof_and_verify_for_every_pair():
    data = leaves(40)
    stored = stored_tree(data, (5, 1))
    for new in range(1, 41):
        for old in range(1, new + 1):
            hashes = proof_hashes(merkle.consistency_ranges(old, new), stored)
            assert hashes == (proof(old, data[:new]) if old < new else [])
            assert merkle.verify_consistency(old, mth(data[:old]), new, mth(data[:new]), hashes)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_any_change_to_an_inclusion_proof_or_its_inputs_fails(data):
    size = data.draw(st.integers(2, 33))
    index = data.draw(st.integers(0, size - 1))
    entries = leaves(size)
    stored = stored_tree(entries)
    root = merkle.root(size, stored)
    hashes = proof_hashes(merkle.inclusion_ranges(index, size), stored)
    leaf = merkle.leaf_hash(entries[index])
    assert merkle.verify_inclusion(leaf, index, size, hashes, root)
    # Not the size alone: a proof checks a root, and a root can fit more than one size (leaf 0
    # of 3 has the path of leaf 0 of 4). The signed checkpoint is what binds a root to a size.
    change = data.draw(st.sampled_from(["leaf", "index", "hash", "drop", "extra", "root"]))
    if change == "leaf":
        leaf = merkle.leaf_hash(entries[index] + b"!")
    elif change == "index":
        index = (index + data.draw(st.integers(1, size - 1))) % size
    elif change == "hash" and hashes:
        i = data.draw(st.integers(0, len(hashes) - 1))
        hashes[i] = bytes([hashes[i][0] ^ 1]) + hashes[i][1:]
    elif change == "drop" and hashes:
        hashes.pop()
    elif change == "extra":
        hashes.append(root)
    else:
        root = merkle.leaf_hash(root)
    if change in ("hash", "drop") and not hashes:
        return  # a one-leaf tree has an empty path: nothing to alter
    assert not merkle.verify_inclusion(leaf, index, size, hashes, root)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_a_consistency_proof_fails_for_a_forked_or_altered_history(data):
    new = data.draw(st.integers(2, 33))
    old = data.draw(st.integers(1, new - 1))
    entries = leaves(new)
    stored = stored_tree(entries)
    hashes = proof_hashes(merkle.consistency_ranges(old, new), stored)
    old_root, new_root = mth(entries[:old]), mth(entries[:new])
    assert merkle.verify_consistency(old, old_root, new, new_root, hashes)
    # A fork: the same old size, but one earlier entry rewritten before the log went on.
    rewritten = list(entries)
    at = data.draw(st.integers(0, old - 1))
    rewritten[at] = b"rewritten"
    forked = stored_tree(rewritten)
    forked_hashes = proof_hashes(merkle.consistency_ranges(old, new), forked)
    assert not merkle.verify_consistency(old, old_root, new, merkle.root(new, forked), forked_hashes)
    # Any flipped proof hash, or a wrong root, fails too.
    i = data.draw(st.integers(0, len(hashes) - 1))
    broken = list(hashes)
    broken[i] = bytes([broken[i][0] ^ 1]) + broken[i][1:]
    assert not merkle.verify_consistency(old, old_root, new, new_root, broken)
    assert not merkle.verify_consistency(old, new_root, new, new_root, hashes)


def test_trivial_and_impossible_consistency_claims():
    data = leaves(5)
    root5 = mth(data)
    assert merkle.verify_consistency(5, root5, 5, root5, [])
    assert not merkle.verify_consistency(5, root5, 5, root5, [root5])
    assert not merkle.verify_consistency(6, root5, 5, root5, [])
    assert not merkle.verify_consistency(0, merkle.EMPTY_ROOT, 5, root5, [])
    with pytest.raises(ValueError):
        merkle.consistency_ranges(0, 5)
    with pytest.raises(ValueError):
        merkle.inclusion_ranges(5, 5)


# --- signed notes and checkpoints ------------------------------------------------------------
NAME = "irm-review.example.org/audit-log"


def test_keys_round_trip_through_their_text_forms():
    key = SigningKey.generate(NAME)
    assert SigningKey.parse(str(key)) == key
    verifier = VerifierKey.parse(str(key.verifier))
    assert verifier == key.verifier
    assert str(verifier).startswith(NAME + "+")
    assert "PRIVATE" not in repr(key) and str(key.seed) not in repr(key)
    assert verifier.key_id == hashlib.sha256(NAME.encode() + b"\n\x01" + verifier.public_key).digest()[:4]


@pytest.mark.parametrize("bad", [
    "", "name+00000000", "name+00000000+AAAA", "na me+00000000+" + "A" * 44, "name+zz+" + "A" * 44,
])
def test_malformed_verifier_keys_are_refused(bad):
    with pytest.raises(NoteError):
        VerifierKey.parse(bad)


def test_a_verifier_key_whose_id_does_not_match_is_refused():
    text = str(SigningKey.generate(NAME).verifier)
    name, _, encoded = text.split("+", 2)
    with pytest.raises(NoteError):
        VerifierKey.parse(f"{name}+00000000+{encoded}")


def test_a_checkpoint_signs_and_opens():
    key = SigningKey.generate(NAME)
    checkpoint = Checkpoint(NAME, 1234, bytes(range(32)), ("time: 2026-11-25T15:00:00Z",))
    note = sign_checkpoint(checkpoint, key)
    lines = note.split("\n")
    assert lines[:5] == [NAME, "1234", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "time: 2026-11-25T15:00:00Z", ""]
    assert lines[5].startswith("\u2014 " + NAME + " ")
    opened = open_checkpoint(note, key.verifier)
    assert opened == checkpoint and opened.time == "2026-11-25T15:00:00Z"


def test_an_altered_or_foreign_checkpoint_does_not_open():
    key, other = SigningKey.generate(NAME), SigningKey.generate(NAME)
    note = sign_checkpoint(Checkpoint(NAME, 10, bytes(32)), key)
    with pytest.raises(NoteError, match="does not verify"):
        open_checkpoint(note.replace("\n10\n", "\n11\n"), key.verifier)
    with pytest.raises(NoteError, match="no signature"):
        open_checkpoint(note, other.verifier)  # same name, different key: a different key id
    with pytest.raises(NoteError):
        open_checkpoint(note.split("\n\n")[0] + "\n", key.verifier)  # signature stripped
    # Another signer's line is ignored, not an error (witnesses add cosignatures this way).
    cosigned = note + sign_note("x\n", SigningKey.generate("witness.example")).split("\n\n")[1]
    assert open_checkpoint(cosigned, key.verifier).size == 10


def test_a_checkpoint_for_another_origin_is_refused():
    key = SigningKey.generate("another.example/log")
    note = sign_note(Checkpoint(NAME, 1, bytes(32)).text(), key)
    with pytest.raises(NoteError, match="origin"):
        open_checkpoint(note, key.verifier)


@pytest.mark.parametrize("body", ["o\n", "o\n01\n" + "A" * 43 + "=\n", "o\n1\nAAAA\n", "o\n-1\n" + "A" * 43 + "=\n", "\n1\n" + "A" * 43 + "=\n"])
def test_malformed_checkpoint_bodies_are_refused(body):
    with pytest.raises(NoteError):
        Checkpoint.parse(body)


def test_note_text_rules():
    key = SigningKey.generate(NAME)
    for text in ["no newline", "blank\n\nline\n", "bell\x07\n"]:
        with pytest.raises(NoteError):
            sign_note(text, key)
    with pytest.raises(NoteError):
        open_note("text\n\n\u2014 broken\n", key.verifier)
