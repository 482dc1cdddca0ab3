"""The Go reference checker (tests/interop/tlogcheck) can say yes AND no.

Everything it is fed here is built in this file, independently of the project's own
log code: a tiny RFC 6962 written straight from the recursive definitions of
section 2.1 (MTH), 2.1.1 (PATH) and 2.1.2 (PROOF/SUBPROOF), and C2SP signed notes
made with `cryptography`'s Ed25519.
"""
from __future__ import annotations

import base64
import hashlib
import os
import struct

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.interop import tlog_reference as ref


@pytest.fixture(scope="module", autouse=True)
def _reference_available():
    reason = ref.available()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


# ---- RFC 6962, section 2.1, from the recursive definitions ----

def leaf_hash(d: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + d).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d: list[bytes]) -> bytes:
    n = len(d)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaf_hash(d[0])
    k = split_point(n)
    return node_hash(mth(d[:k]), mth(d[k:]))


def path(m: int, d: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]): the audit path of leaf m, leaf side first."""
    n = len(d)
    if n == 1:
        return []
    k = split_point(n)
    if m < k:
        return path(m, d[:k]) + [mth(d[k:])]
    return path(m - k, d[k:]) + [mth(d[:k])]


def proof(m: int, d: list[bytes]) -> list[bytes]:
    """PROOF(m, D[n]): the consistency proof from the first m leaves to all of D[n]."""
    return subproof(m, d, True)


def subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = split_point(n)
    if m <= k:
        return subproof(m, d[:k], b) + [mth(d[k:])]
    return subproof(m - k, d[k:], False) + [mth(d[:k])]


def test_rfc6962_reference_sanity():
    # Well-known values: the empty tree, and the size-1 tree over the empty leaf.
    assert mth([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert mth([b""]).hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"


# ---- C2SP signed notes, Ed25519 ----

class NoteKey:
    def __init__(self, name: str, private: Ed25519PrivateKey | None = None):
        self.name = name
        self.private = private or Ed25519PrivateKey.generate()
        self.public = self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        encoded = b"\x01" + self.public
        self.key_hash = hashlib.sha256(name.encode() + b"\n" + encoded).digest()[:4]
        (hash32,) = struct.unpack(">I", self.key_hash)
        self.vkey = f"{name}+{hash32:08x}+{base64.b64encode(encoded).decode()}"

    def signature_line(self, text: str) -> str:
        sig = self.private.sign(text.encode())
        return f"\u2014 {self.name} {base64.b64encode(self.key_hash + sig).decode()}\n"

    def sign(self, text: str, *cosigners: "NoteKey") -> str:
        assert text.endswith("\n")
        lines = [k.signature_line(text) for k in (self, *cosigners)]
        return text + "\n" + "".join(lines)


ORIGIN = "example.com/irm-review-test-log"
LEAVES = [b""] + [f"leaf {i}: \u00e9v\u00e9nement".encode() + bytes([i, 0, 255]) for i in range(1, 18)]


def checkpoint_text(origin: str, size: int, root: bytes, *extensions: str) -> str:
    return "".join(f"{line}\n" for line in (origin, str(size), ref.b64(root), *extensions))


@pytest.fixture(scope="module")
def key() -> NoteKey:
    return NoteKey(ORIGIN)


# ---- checkpoints ----

def test_valid_checkpoint_verifies(key):
    root = mth(LEAVES[:17])
    cosigner = NoteKey("witness.example/w1")
    notes = [
        key.sign(checkpoint_text(ORIGIN, 17, root)),
        key.sign(checkpoint_text(ORIGIN, 17, root, "ext one", "ext two")),
        cosigner.sign(checkpoint_text(ORIGIN, 17, root)).replace(
            "\n\n", "\n\n" + key.signature_line(checkpoint_text(ORIGIN, 17, root)), 1),
        key.sign(checkpoint_text(ORIGIN, 0, mth([]))),
    ]
    got = ref.check({"vkey": key.vkey, "checkpoints": notes})["checkpoints"]
    assert [c["error"] for c in got] == [None] * 4
    assert all(c["ok"] for c in got)
    assert got[0] == {"ok": True, "error": None, "origin": ORIGIN, "size": 17,
                      "root": ref.b64(root), "extensions": []}
    assert got[1]["extensions"] == ["ext one", "ext two"]
    assert got[2]["size"] == 17  # an unknown cosigner's signature is ignored
    assert got[3]["size"] == 0 and got[3]["root"] == ref.b64(mth([]))


def test_tampered_checkpoint_fails(key):
    root = mth(LEAVES[:5])
    good = key.sign(checkpoint_text(ORIGIN, 5, root))
    bigger = good.replace("\n5\n", "\n6\n", 1)
    other_root = good.replace(ref.b64(root), ref.b64(mth(LEAVES[:4])), 1)
    added_extension = good.replace("\n\n", "\nextra\n\n", 1)
    body, sigs = good.split("\n\n")
    sig_bytes = bytearray(base64.b64decode(sigs.split(" ")[-1]))
    sig_bytes[-1] ^= 1
    bad_sig = body + "\n\n" + sigs.rsplit(" ", 1)[0] + " " + base64.b64encode(sig_bytes).decode() + "\n"
    unsigned = checkpoint_text(ORIGIN, 5, root) + "\n"
    got = ref.check({"vkey": key.vkey,
                     "checkpoints": [bigger, other_root, added_extension, bad_sig, unsigned]})
    got = got["checkpoints"]
    assert [c["ok"] for c in got] == [False] * 5
    for c in got[:4]:
        assert "invalid signature" in c["error"]
        assert c["origin"] is None and c["size"] is None and c["root"] is None
    assert "malformed note" in got[4]["error"]


def test_wrong_key_fails(key):
    text = checkpoint_text(ORIGIN, 3, mth(LEAVES[:3]))
    impostor = NoteKey(ORIGIN)  # same name, another key: another key hash
    got = ref.check({"vkey": key.vkey, "checkpoints": [impostor.sign(text)]})["checkpoints"][0]
    assert not got["ok"]
    assert "no verifiable signatures" in got["error"]
    # The same note is good under the impostor's own vkey: the failure is the key alone.
    got = ref.check({"vkey": impostor.vkey, "checkpoints": [impostor.sign(text)]})["checkpoints"][0]
    assert got["ok"], got
    # A vkey whose key hash does not match its key is refused, for every checkpoint.
    name, _, rest = key.vkey.partition("+")
    broken = f"{name}+00000000+{rest.partition('+')[2]}"
    got = ref.check({"vkey": broken, "checkpoints": [key.sign(text), key.sign(text)]})["checkpoints"]
    assert [c["ok"] for c in got] == [False, False]
    assert all(c["error"].startswith("vkey:") for c in got)


def test_wrong_origin_fails():
    other = NoteKey("other.example/log")
    text = checkpoint_text(ORIGIN, 3, mth(LEAVES[:3]))
    got = ref.check({"vkey": other.vkey, "checkpoints": [other.sign(text)]})["checkpoints"][0]
    assert not got["ok"]
    assert "origin" in got["error"]
    assert got["origin"] == ORIGIN  # signed by the key, so its body is reported


def test_malformed_checkpoint_body_fails(key):
    root = mth(LEAVES[:5])
    bodies = [
        f"{ORIGIN}\n05\n{ref.b64(root)}\n",            # leading zero
        f"{ORIGIN}\n+5\n{ref.b64(root)}\n",            # sign
        f"{ORIGIN}\n5\n{ref.b64(root[:31])}\n",        # 31-byte root
        f"{ORIGIN}\n5\n{ref.b64(root).rstrip('=')}\n", # unpadded base64
        f"{ORIGIN}\n5\n",                              # two lines
        f"{ORIGIN}\n5\n{ref.b64(root)}\n\next\n",      # empty extension line
    ]
    got = ref.check({"vkey": key.vkey, "checkpoints": [key.sign(b) for b in bodies]})["checkpoints"]
    assert [c["ok"] for c in got] == [False] * len(bodies), got
    assert all(c["error"].startswith("checkpoint:") for c in got), got


# ---- inclusion ----

SIZES = range(1, 18)


def test_inclusion_ok_for_every_index():
    items = [ref.inclusion(LEAVES[m], m, n, mth(LEAVES[:n]), path(m, LEAVES[:n]))
             for n in SIZES for m in range(n)]
    got = ref.check({"inclusion": items})["inclusion"]
    assert len(got) == len(items) == sum(SIZES)
    assert [g["error"] for g in got] == [None] * len(items)
    assert all(g["ok"] for g in got)


def flip(b: bytes, i: int = 0) -> bytes:
    out = bytearray(b)
    out[i] ^= 0x01
    return bytes(out)


def test_inclusion_fails_when_anything_is_wrong():
    items, labels = [], []
    for n in SIZES:
        d = LEAVES[:n]
        root = mth(d)
        for m in range(n):
            p = path(m, d)
            cases = {
                "leaf": ref.inclusion(LEAVES[m] + b"x", m, n, root, p),
                "root": ref.inclusion(LEAVES[m], m, n, flip(root, 31), p),
                # (the same root with size n+1 would pass whenever the path's shape
                # is unchanged: the size is bound only through the root it goes with)
                "size+1, its root": ref.inclusion(LEAVES[m], m, n + 1, mth(LEAVES[:n + 1]), p),
                "extra hash": ref.inclusion(LEAVES[m], m, n, root, p + [root]),
                "index out of range": ref.inclusion(LEAVES[m], n, n, root, p),
            }
            if n > 1:
                cases["wrong index"] = ref.inclusion(LEAVES[m], (m + 1) % n, n, root, p)
                cases["short proof"] = ref.inclusion(LEAVES[m], m, n, root, p[:-1])
                for j in range(len(p)):
                    cases[f"flip proof[{j}]"] = ref.inclusion(
                        LEAVES[m], m, n, root, p[:j] + [flip(p[j], j)] + p[j + 1:])
            for label, item in cases.items():
                labels.append((n, m, label))
                items.append(item)
    got = ref.check({"inclusion": items})["inclusion"]
    passed = [label for label, g in zip(labels, got) if g["ok"]]
    assert passed == []
    assert all(g["error"] for g in got)


def test_inclusion_binds_the_tree_size_only_through_the_root():
    """Documented, not a bug: CheckRecord uses tree_size only to shape the path, so a
    proof for (leaf 0, size 3) also checks against size 4 *with the size-3 root*.
    Always take the size and the root from the same checkpoint."""
    d = LEAVES[:3]
    got = ref.check({"inclusion": [ref.inclusion(d[0], 0, 4, mth(d), path(0, d))]})
    assert got["inclusion"] == [{"ok": True, "error": None}]


def test_inclusion_wrong_length_hash_is_a_failure_not_a_crash():
    d = LEAVES[:4]
    got = ref.check({"inclusion": [
        ref.inclusion(d[1], 1, 4, mth(d)[:31], path(1, d)),
        ref.inclusion(d[1], 1, 4, mth(d), [h + b"\0" for h in path(1, d)]),
    ]})["inclusion"]
    assert [g["ok"] for g in got] == [False, False]
    assert "bytes, want 32" in got[0]["error"] and "bytes, want 32" in got[1]["error"]


# ---- consistency ----

def test_consistency_ok_for_all_pairs():
    pairs = [(m, n) for n in SIZES for m in range(1, n)]
    items = [ref.consistency(m, mth(LEAVES[:m]), n, mth(LEAVES[:n]), proof(m, LEAVES[:n]))
             for m, n in pairs]
    got = ref.check({"consistency": items})["consistency"]
    assert len(got) == len(pairs) == 136
    assert [g["error"] for g in got] == [None] * len(pairs)


def test_consistency_fails_when_anything_is_wrong():
    items, labels = [], []
    for n in SIZES:
        for m in range(1, n):
            old, new, p = mth(LEAVES[:m]), mth(LEAVES[:n]), proof(m, LEAVES[:n])
            cases = {
                "old root": ref.consistency(m, flip(old), n, new, p),
                "old root of another tree": ref.consistency(m, mth(LEAVES[1:m + 1]), n, new, p),
                "new root": ref.consistency(m, old, n, flip(new, 7), p),
                "swapped": ref.consistency(n, new, m, old, p),
                "short proof": ref.consistency(m, old, n, new, p[:-1]),
                "extra hash": ref.consistency(m, old, n, new, p + [new]),
                "old size": ref.consistency(m + 1, old, n, new, p) if m + 1 < n else None,
            }
            for j in range(len(p)):
                cases[f"flip proof[{j}]"] = ref.consistency(
                    m, old, n, new, p[:j] + [flip(p[j], 5)] + p[j + 1:])
            for label, item in cases.items():
                if item is not None:
                    labels.append((m, n, label))
                    items.append(item)
    got = ref.check({"consistency": items})["consistency"]
    passed = [label for label, g in zip(labels, got) if g["ok"]]
    assert passed == []


def test_check_tree_conventions_for_equal_and_zero_sizes():
    """What x/mod's CheckTree does at the edges (RFC 6962 defines no proof for these)."""
    r5, r7 = mth(LEAVES[:5]), mth(LEAVES[:7])
    got = ref.check({"consistency": [
        ref.consistency(5, r5, 5, r5, []),          # same size, same root, empty proof: ok
        ref.consistency(5, r5, 5, r7, []),          # same size, different roots: fails
        ref.consistency(5, r5, 5, r5, [r5]),        # same size with a non-empty proof: fails
        ref.consistency(0, mth([]), 7, r7, []),     # from the empty tree: refused as input
        ref.consistency(0, mth([]), 7, r7, [r7]),
        ref.consistency(0, mth([]), 0, mth([]), []),
    ]})["consistency"]
    assert [g["ok"] for g in got] == [True, False, False, False, False, False]
    for g in got[3:]:
        assert g["error"] == "tlog: invalid inputs in CheckTree"


# ---- tree roots ----

def test_tree_roots_equal_the_recursive_mth():
    sizes = list(range(1, len(LEAVES) + 1))
    got = ref.tree_roots(ref.check({"tree": ref.tree(LEAVES, sizes)}))
    assert got == {n: mth(LEAVES[:n]) for n in sizes}


def test_tree_root_of_size_zero_is_tlog_zero_hash():
    """tlog.TreeHash(0) is 32 zero bytes, not RFC 6962's MTH({}) = SHA-256("")."""
    got = ref.tree_roots(ref.check({"tree": ref.tree(LEAVES[:3], [0])}))
    assert got == {0: bytes(32)}
    assert got[0] != mth([])


# ---- malformed payloads ----

@pytest.mark.parametrize("payload", [
    {"unknown": 1},
    {"inclusion": [{"leaf_data": "!!", "index": 0, "tree_size": 1, "root": ref.b64(bytes(32)),
                    "proof": []}]},
    {"inclusion": [{"index": 0, "tree_size": 1, "root": ref.b64(bytes(32)), "proof": []}]},
    {"consistency": [{"old_size": 1, "old_root": "AA", "new_size": 2,
                      "new_root": ref.b64(bytes(32)), "proof": []}]},
    {"tree": {"leaves": [ref.b64(b"a")], "sizes": [2]}},
])
def test_malformed_payload_is_refused(payload):
    with pytest.raises(ref.MalformedPayload):
        ref.check(payload)
