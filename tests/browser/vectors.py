"""Test vectors for the in-browser verifier, computed by the Python implementation
(shared/transparency/, shared/audit.py): what the browser must agree with, byte for byte.

The same tree, proofs and checkpoints are what tests/interop checks with Go's x/mod
(tests/interop/tlog_reference.py builds its payloads the same way); `go_payload` turns these
vectors into that checker's input, so one run of each proves the three agree.
"""
import base64
import copy

from shared import audit
from shared.transparency import merkle
from shared.transparency.note import Checkpoint, SigningKey, sign_checkpoint, sign_note

LEAVES = [f"leaf {i}: \u062a\u0648\u0646\u0633 / caf\u00e9 / \U0001F600".encode() for i in range(13)]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _stored(leaves):
    stored, size, border = {}, 0, []
    for leaf in leaves:
        stored.update(merkle.append(size, border, [merkle.leaf_hash(leaf)]))
        size += 1
        border = [stored[c] for c in merkle.subtrees(0, size)]
    return stored


def flip(data: bytes, at: int = 0) -> bytes:
    return data[:at] + bytes([data[at] ^ 1]) + data[at + 1:]


def merkle_vectors():
    stored = _stored(LEAVES)
    roots = {n: merkle.root(n, stored) for n in range(1, len(LEAVES) + 1)}
    tree = [{"size": n, "root": b64(roots[n])} for n in roots]
    inclusion, consistency = [], []
    for size in (1, 2, 3, 5, 8, 13):
        for index in range(size):
            proof = [merkle.range_hash(lo, hi, stored) for lo, hi in merkle.inclusion_ranges(index, size)]
            leaf = merkle.leaf_hash(LEAVES[index])
            cases = [("untouched", leaf, index, size, proof, roots[size])]
            if proof:
                cases += [("altered proof hash", leaf, index, size, [flip(proof[0])] + proof[1:], roots[size]),
                          ("proof hash missing", leaf, index, size, proof[:-1], roots[size]),
                          ("extra proof hash", leaf, index, size, proof + [proof[0]], roots[size])]
            cases += [("altered leaf", flip(leaf), index, size, proof, roots[size]),
                      ("wrong index", leaf, (index + 1) % size if size > 1 else 1, size, proof, roots[size]),
                      ("wrong root", leaf, index, size, proof, flip(roots[size]))]
            for name, leaf_hash, i, n, p, root in cases:
                inclusion.append({"name": name, "leaf_hash": b64(leaf_hash), "index": i, "size": n, "proof": [b64(h) for h in p],
                                  "root": b64(root), "ok": merkle.verify_inclusion(leaf_hash, i, n, p, root)})
    for old in range(1, 14):
        for new in range(old, 14):
            proof = [merkle.range_hash(lo, hi, stored) for lo, hi in merkle.consistency_ranges(old, new)]
            cases = [("untouched", old, roots[old], new, roots[new], proof)]
            if proof:
                cases += [("altered proof hash", old, roots[old], new, roots[new], proof[:-1] + [flip(proof[-1])]),
                          ("proof hash missing", old, roots[old], new, roots[new], proof[1:]),
                          ("forked old root", old, flip(roots[old]), new, roots[new], proof),
                          ("forked new root", old, roots[old], new, flip(roots[new]), proof)]
            if old > 1:
                cases.append(("wrong old size", old - 1, roots[old], new, roots[new], proof))
            for name, m, old_root, n, new_root, p in cases:
                consistency.append({"name": name, "old_size": m, "old_root": b64(old_root), "new_size": n, "new_root": b64(new_root),
                                    "proof": [b64(h) for h in p], "ok": merkle.verify_consistency(m, old_root, n, new_root, p)})
    return {"leaves": [b64(leaf) for leaf in LEAVES], "tree": tree, "inclusion": inclusion, "consistency": consistency}


def checkpoint_vectors():
    key = SigningKey.generate("irm-review.test/audit-log")
    other = SigningKey.generate("irm-review.test/audit-log")
    stranger = SigningKey.generate("someone.else/log")
    root = merkle.root(13, _stored(LEAVES))
    text = Checkpoint(key.name, 13, root, ("time: 2026-12-01T07:00:00Z",)).text()
    note = sign_checkpoint(Checkpoint(key.name, 13, root, ("time: 2026-12-01T07:00:00Z",)), key)
    cosigned = note + sign_note(text, stranger).split("\n\n", 1)[1]  # another signer's line is ignored
    signature_line = note.split("\n\n", 1)[1]
    raw = base64.b64decode(signature_line.split(" ")[2].strip())
    cases = [("untouched", note, True), ("cosigned by another key", cosigned, True),
             ("altered size", note.replace("\n13\n", "\n14\n", 1), False),
             ("altered root", note.replace(b64(root), b64(flip(root)), 1), False),
             ("altered extension", note.replace("07:00:00Z", "07:00:01Z"), False),
             ("altered signature", note.replace(signature_line.split(" ")[2].strip(), b64(raw[:4] + flip(raw[4:], 10))), False),
             ("signed by another key of the same name", sign_checkpoint(Checkpoint(key.name, 13, root, ()), other), False),
             ("no signature by this key", sign_note(text, stranger), False),
             ("no blank line", note.replace("\n\n", "\n"), False),
             ("malformed size", sign_note(f"{key.name}\n013\n{b64(root)}\n", key), False),
             ("short root", sign_note(f"{key.name}\n13\n{b64(root[:31])}\n", key), False),
             ("other origin", sign_note(f"someone.else/log\n13\n{b64(root)}\n", key), False)]
    return {"key": str(key.verifier), "other_key": str(other.verifier), "size": 13, "root": b64(root),
            "malformed_keys": [str(key.verifier).replace("+", "-", 1), str(key.verifier)[:-4],
                               str(key.verifier).split("+")[0] + "+00000000+" + str(key.verifier).split("+", 2)[2]],
            "checkpoints": [{"name": name, "note": text_, "ok": ok} for name, text_, ok in cases]}


def chain_vectors():
    entries, previous = [], None
    for seq, (action, reason) in enumerate([("submitted", "first version"), ("assigned", "langues: ar, fr \U0001F600"),
                                            ("rated", "\u062a\u0642\u064a\u064a\u0645 \"quoted\" \\ \n\t\u0001")]):
        sealed = audit.seal({"justification": "\u062a\u0628\u0631\u064a\u0631 \u00e9t\u00e9", "n": seq}) if action == "rated" else None
        previous = audit.next_entry(previous, case_id="case_1", occurred_at=f"2026-12-01T07:0{seq}:00Z", service="review",
                                    action=action, actor={"role": "expert", "id": "exp_7"}, reason=reason,
                                    data={"z": 1, "a": [True, None, -3], "\uff5e": "fullwidth", "\U0001F600": "astral"},
                                    correlation_id="corr-1", sealed=sealed)
        entries.append(previous)
    sealed = entries[-1].pop("sealed")
    head = {"seq": entries[-1]["seq"], "hash": entries[-1]["hash"]}
    tampered = {}
    edited = copy.deepcopy(entries)
    edited[1]["reason"] = "edited"
    tampered["edited reason"] = edited
    edited = copy.deepcopy(entries)
    edited[0]["data"]["z"] = 2
    tampered["edited data"] = edited
    tampered["reordered"] = [entries[1], entries[0], entries[2]]
    tampered["deleted"] = [entries[0], entries[2]]
    rehashed = copy.deepcopy(entries)
    rehashed[1]["reason"] = "edited"
    rehashed[1]["hash"] = audit.entry_hash(rehashed[1])
    tampered["edited and rehashed"] = rehashed
    chains = [{"name": "untouched", "entries": entries, "head": head}]
    chains += [{"name": name, "entries": chain, "head": head} for name, chain in tampered.items()]
    chains.append({"name": "truncated", "entries": entries[:2], "head": head})
    chains.append({"name": "truncated, no head", "entries": entries[:2], "head": None})
    for chain in chains:
        chain["verification"] = audit.verify_chain(chain["entries"], chain["head"]).as_dict()
        chain["hashes"] = [audit.entry_hash(e) for e in chain["entries"]]
        chain["leaves"] = [b64(audit.log_leaf(e)) for e in chain["entries"]]
    other_salt = dict(sealed, salt="00" * 16)
    other_content = dict(sealed, content={"justification": "other", "n": 2})
    sealed_cases = [("disclosed as sealed", sealed, True), ("another salt", other_salt, False),
                    ("other content", other_content, False), ("no salt", {"content": sealed["content"]}, False),
                    ("not an object", "text", False)]
    canonical = [{"value": v, "json": audit.canonical_json(v).decode()} for v in
                 [{"b": 1, "a": {"\U0001F600": 1, "\uff5e": 2, "A": 3}}, ["\u2028\u2029", "\x7f", "\x1f\x00", "</script>"],
                  {"": None, "é": False}, -0, 2 ** 53 - 1]]
    return {"chains": chains, "entry": entries[-1],
            "sealed": [{"name": n, "sealed": s, "ok": audit.sealed_matches(entries[-1], s)} for n, s, _ in sealed_cases],
            "sealed_expected": [ok for _, _, ok in sealed_cases], "canonical": canonical}


def all_vectors():
    return {"merkle": merkle_vectors(), "checkpoints": checkpoint_vectors(), "audit": chain_vectors()}


def go_payload(vectors):
    """The Go reference checker's input for the same checkpoints and proofs (tests/interop/tlog_reference.py)."""
    cp = vectors["checkpoints"]
    return {"vkey": cp["key"], "checkpoints": [c["note"] for c in cp["checkpoints"]],
            "consistency": [{k: c[k] for k in ("old_size", "old_root", "new_size", "new_root", "proof")}
                            for c in vectors["merkle"]["consistency"]]}
