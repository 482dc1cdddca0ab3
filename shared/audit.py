"""The audit trail's rules: how an entry is hashed and how a case's chain is verified.

Pure functions, no database. Each case has one chain: entry n carries the hash of entry
n-1, and its own hash covers every field but the hash itself, in a canonical JSON form
(sorted keys, fixed separators, UTF-8, no floats, times as ISO-8601 UTC strings) so any
implementation can recompute it. Editing, reordering or removing an entry breaks a hash
or a link; removing entries from the end is caught by comparing with a head recorded
elsewhere (the published finding records the head it was published at).
"""
import hashlib
import json
import secrets
from dataclasses import dataclass, field

GENESIS = "0" * 64
HASH_DOMAIN = b"irm-audit-entry-v1\n"
HASHED_FIELDS = ("case_id", "seq", "prev_hash", "occurred_at", "service", "action", "actor", "reason", "data", "correlation_id")


def canonical_json(value) -> bytes:
    def reject_floats(obj):
        if isinstance(obj, float):
            raise TypeError("floats have no canonical form; store numbers as integers or strings")
        if isinstance(obj, dict):
            for item in obj.values():
                reject_floats(item)
        elif isinstance(obj, (list, tuple)):
            for item in obj:
                reject_floats(item)

    reject_floats(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def fingerprint(value) -> str:
    """SHA-256 of a value's canonical form: what the log keeps instead of text or personal data."""
    return hashlib.sha256(canonical_json(value)).hexdigest()


def seal(content) -> dict:
    """What people wrote, or a draft's values, kept beside an entry instead of inside it.

    The entry's hashed `data` holds only `sealed_sha256`, the fingerprint of {salt, content}:
    the log leaf commits to the content without revealing it, and the random salt keeps a
    small value (a draft rating is one of three to five words) from being guessed by hashing
    every candidate. Once the disclosure rule makes the content public, the salt is served
    with it, so anyone can recompute the fingerprint (`sealed_matches`).
    """
    return {"salt": secrets.token_hex(16), "content": content}


def sealed_fingerprint(sealed: dict) -> str:
    return fingerprint({"salt": sealed["salt"], "content": sealed["content"]})


def sealed_matches(entry: dict, sealed: dict) -> bool:
    """Whether a disclosed {salt, content} is what the entry committed to."""
    expected = (entry.get("data") or {}).get("sealed_sha256")
    return expected is not None and isinstance(sealed, dict) and {"salt", "content"} <= set(sealed) \
        and sealed_fingerprint(sealed) == expected


def entry_hash(entry: dict) -> str:
    body = {name: entry.get(name) for name in HASHED_FIELDS}
    return hashlib.sha256(HASH_DOMAIN + canonical_json(body)).hexdigest()


def log_leaf(entry: dict) -> bytes:
    """The entry as a leaf of the transparency log: its hashed fields and its hash, canonical.

    Anyone holding the entry (the public audit endpoint serves it) can recompute this and so
    the leaf hash an inclusion proof starts from. Personal data and what people wrote
    (comments, ratings' justifications) never reach an entry: the services record their
    fingerprints (see `fingerprint`). Actors appear by role and pseudonymous id, and a
    decision's reason is in clear: saying why is the point of the trail.
    """
    body = {name: entry.get(name) for name in HASHED_FIELDS}
    body["hash"] = entry.get("hash")
    return canonical_json(body)


def next_entry(previous: dict | None, *, case_id, occurred_at, service, action, actor, reason, data, correlation_id,
               sealed: dict | None = None) -> dict:
    """The entry that follows `previous` (None for a case's first entry), with its hash.

    `sealed` (from `seal`) is returned under the entry's "sealed" key, outside the hashed fields
    (the unit of work stores it apart, as SealedContent);
    its fingerprint goes into `data` as `sealed_sha256`.
    """
    if sealed is not None:
        data = {**data, "sealed_sha256": sealed_fingerprint(sealed)}
    entry = {
        "case_id": case_id,
        "seq": 0 if previous is None else previous["seq"] + 1,
        "prev_hash": GENESIS if previous is None else previous["hash"],
        "occurred_at": occurred_at,
        "service": service,
        "action": action,
        "actor": {"role": actor["role"], "id": actor["id"]},
        "reason": reason,
        "data": data,
        "correlation_id": correlation_id,
    }
    canonical_json(entry)  # fail now, not at verification, on a value with no canonical form
    entry["hash"] = entry_hash(entry)
    if sealed is not None:
        entry["sealed"] = sealed
    return entry


@dataclass
class Verification:
    valid: bool
    entries: int
    head: str
    problems: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"valid": self.valid, "entries": self.entries, "head": self.head, "problems": self.problems}


def verify_chain(entries: list, expected_head: dict | None = None) -> Verification:
    """Check a case's entries in stored order.

    `expected_head` ({"seq": n, "hash": h}) is a head recorded outside the chain; every
    entry up to it must be present, so truncating the chain is caught too.
    """
    problems = []
    previous_hash = GENESIS
    for position, entry in enumerate(entries):
        seq = entry.get("seq")
        if seq != position:
            problems.append({"position": position, "seq": seq, "problem": f"expected seq {position}: an entry is missing or out of order"})
        if entry.get("prev_hash") != previous_hash:
            problems.append({"position": position, "seq": seq, "problem": "prev_hash does not match the previous entry's hash"})
        if entry_hash(entry) != entry.get("hash"):
            problems.append({"position": position, "seq": seq, "problem": "content does not match its hash: the entry was altered"})
        previous_hash = entry.get("hash")
    if expected_head is not None:
        present = {entry.get("seq"): entry.get("hash") for entry in entries}
        if present.get(expected_head["seq"]) != expected_head["hash"]:
            problems.append({"position": None, "seq": expected_head["seq"], "problem": "the recorded head is not in the chain: entries were removed or replaced"})
    head = entries[-1].get("hash") if entries else GENESIS
    return Verification(valid=not problems, entries=len(entries), head=head, problems=problems)
