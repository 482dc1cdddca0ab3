"""irm verify: check a finding's whole case history against the public transparency log.

Needs nothing but the public endpoints and the log's published verifier key:

    irm verify --url https://irm.example.org --key 'irm-review.example.org/audit-log+1a2b3c4d+AeX...' fnd_123

1. fetches the latest signed checkpoint and checks its Ed25519 signature with the key;
2. checks it is consistent with the checkpoint this verifier saw last time (kept in --state)
   or one given with --checkpoint: the log only grew, nothing earlier was rewritten (a fork);
3. reads the case's audit trail, recomputes every entry's hash and the chain, and checks that
   the chain reaches the head the finding recorded (nothing removed from the end);
4. checks every entry's inclusion proof against the checkpoint's root hash;
5. checks that every disclosed content (what people wrote, a draft's values: served with its
   salt once the disclosure rule makes it public) is what the entry's fingerprint, and so the
   log, committed to.

Exit status 0: everything verifies; 1: something does not (the report says what); 2: the
verifier could not get an answer (network, usage). Uses only shared/audit.py and
shared/transparency/, the same plain rules anyone can reimplement from their docstrings.
"""
import argparse
import base64
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from shared import audit
from shared.transparency import merkle
from shared.transparency.note import NoteError, VerifierKey, open_checkpoint

DEFAULT_STATE = Path(os.environ.get("IRM_VERIFY_STATE", Path.home() / ".irm-verify" / "checkpoints.json"))


class Unreachable(Exception):
    """The service did not answer as a log should (network error, unexpected status)."""


class LogCannotProve(Exception):
    """The service says its log cannot give this proof: stored nodes are gone (its `log_incomplete` error)."""


@dataclass
class Report:
    ok: bool = True
    checked: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    checkpoint: dict | None = None

    def good(self, line: str) -> None:
        self.checked.append(line)

    def bad(self, line: str) -> None:
        self.ok = False
        self.problems.append(line)

    def as_dict(self) -> dict:
        return {"ok": self.ok, "checked": self.checked, "problems": self.problems, "checkpoint": self.checkpoint}


def _error_code(answer):
    try:
        return answer.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


class PublicLog:
    """The public endpoints the verifier reads, nothing else."""

    def __init__(self, base_url: str, http=None, timeout=15):
        self.base = base_url.rstrip("/")
        self.http = http or requests.Session()
        self.timeout = timeout

    def get(self, path, params=None, *, text=False, missing_ok=False):
        try:
            answer = self.http.get(self.base + path, params=params, timeout=self.timeout)
        except requests.RequestException as exc:
            raise Unreachable(f"GET {path}: {exc}") from exc
        if answer.status_code == 404 and missing_ok:
            return None
        if answer.status_code != 200:
            if _error_code(answer) == "log_incomplete":
                raise LogCannotProve(answer.json()["error"]["message"])
            raise Unreachable(f"GET {path}: HTTP {answer.status_code} {answer.text[:200]}")
        return answer.text if text else answer.json()


def _b64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def load_state(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return {}


def save_state(path: Path, state: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2))
    tmp.replace(path)


def check_consistency(log: PublicLog, key: VerifierKey, earlier_note: str, current, report: Report, source: str) -> None:
    try:
        earlier = open_checkpoint(earlier_note, key)
    except NoteError as exc:
        report.bad(f"the checkpoint {source} does not verify with the key: {exc}")
        return
    if earlier.size > current.size:
        report.bad(f"FORK OR ROLLBACK: the log had {earlier.size} entries {source}, it now signs only {current.size}")
        return
    if earlier.size == current.size:
        if earlier.root != current.root:
            report.bad(f"FORK: two signed checkpoints of size {current.size} with different roots ({source} and now)")
        else:
            report.good(f"same tree as the checkpoint {source} (size {current.size})")
        return
    # The log's own record of that size must be the same tree, or it signed two histories.
    kept = log.get(f"/api/v1/log/checkpoints/{earlier.size}", text=True, missing_ok=True)
    if kept is not None:
        try:
            if open_checkpoint(kept, key).root != earlier.root:
                report.bad(f"FORK: the log now shows a different signed root for size {earlier.size} than {source}")
                return
        except NoteError as exc:
            report.bad(f"the log's own checkpoint of size {earlier.size} does not verify: {exc}")
            return
    try:
        proof = log.get("/api/v1/log/proofs/consistency", {"from": earlier.size, "to": current.size})
    except LogCannotProve as exc:
        report.bad(f"the log cannot prove that its {current.size} entries extend the checkpoint {source}: {exc}")
        return
    if merkle.verify_consistency(earlier.size, earlier.root, current.size, current.root, [_b64(h) for h in proof["hashes"]]):
        report.good(f"the log of {current.size} entries extends the checkpoint {source} ({earlier.size} entries): nothing earlier was rewritten")
    else:
        report.bad(f"FORK: the log of {current.size} entries is not an extension of the checkpoint {source} ({earlier.size} entries)")


def _case_of(log: PublicLog, target: str):
    """(case_id, finding or None) for a finding id or a case id."""
    finding = log.get(f"/api/v1/findings/{target}", missing_ok=True) if target.startswith("fnd") else None
    if target.startswith("fnd") and finding is None:
        raise Unreachable(f"no finding {target}")
    return (finding["case_id"] if finding else target), finding


def verify(base_url: str, key: VerifierKey, target: str, *, state_path: Path | None = None,
           earlier_checkpoint: str | None = None, wait: float = 0, http=None) -> Report:
    log = PublicLog(base_url, http)
    report = Report()
    case_id, finding = _case_of(log, target)
    deadline = time.monotonic() + wait
    while True:
        note = log.get("/api/v1/log/checkpoint", text=True)
        trail = log.get(f"/api/v1/cases/{case_id}/audit")
        try:
            current = open_checkpoint(note, key)
        except NoteError as exc:
            report.bad(f"the latest checkpoint does not verify with the key: {exc}")
            return report
        entries = trail["entries"]
        unlogged = [e["seq"] for e in entries if e.get("log_index") is None or e["log_index"] >= current.size]
        if not unlogged or time.monotonic() >= deadline:
            break
        time.sleep(0.5)
    report.checkpoint = {"origin": current.origin, "size": current.size, "root": base64.b64encode(current.root).decode(),
                         "time": current.time, "note": note}
    report.good(f"checkpoint signed by {key.name}: {current.size} entries at {current.time or 'an unstated time'}")

    # 2. The log only grew since a checkpoint seen earlier.
    state = load_state(state_path) if state_path else {}
    if earlier_checkpoint:
        check_consistency(log, key, earlier_checkpoint, current, report, "given with --checkpoint")
    if key.name in state:
        seen = state[key.name]
        check_consistency(log, key, seen["note"], current, report, f"seen on {seen['seen_at']}")

    # 3. The case's chain, up to the head its finding recorded.
    head = (finding or {}).get("audit_head")
    if head is None and trail.get("finding_url"):
        head = log.get(trail["finding_url"]).get("audit_head")
    chain = audit.verify_chain(entries, expected_head=head)
    if chain.valid:
        report.good(f"case {case_id}: {chain.entries} entries, each hash and link intact"
                    + (f", up to the head the finding recorded (seq {head['seq']})" if head else ""))
    for problem in chain.problems:
        report.bad(f"case {case_id}, seq {problem['seq']}: {problem['problem']}")

    # 4. Every entry is in the signed tree.
    indexes = {}
    for entry in entries:
        index = entry.get("log_index")
        if index is None or index >= current.size:
            report.bad(f"seq {entry.get('seq')} ({entry.get('action')}) is not in the signed log yet"
                       + ("" if wait else ": retry later, or with --wait"))
            continue
        if index in indexes:
            report.bad(f"seq {entry.get('seq')} claims log index {index}, already seq {indexes[index]}'s")
            continue
        indexes[index] = entry.get("seq")
        try:
            proof = log.get("/api/v1/log/proofs/inclusion", {"index": index, "size": current.size})
        except LogCannotProve as exc:
            report.bad(f"seq {entry.get('seq')} ({entry.get('action')}): the log cannot prove it is at index {index}: {exc}")
            continue
        leaf = merkle.leaf_hash(audit.log_leaf(entry))
        if merkle.verify_inclusion(leaf, index, current.size, [_b64(h) for h in proof["hashes"]], current.root):
            report.good(f"seq {entry['seq']} {entry['action']} by {entry['actor']['role']} {entry['actor']['id']}: in the log at index {index}")
        else:
            report.bad(f"seq {entry.get('seq')} ({entry.get('action')}): the signed log does not hold this entry at index {index}")

    # 5. Every disclosed content is what the logged entry committed to.
    check_disclosed(entries, report)

    if report.ok and state_path:
        state[key.name] = {"size": current.size, "note": note, "seen_at": current.time or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        save_state(state_path, state)
    return report


def check_disclosed(entries, report: Report) -> None:
    disclosed = withheld = 0
    for entry in entries:
        if "sealed" in entry:
            if audit.sealed_matches(entry, entry["sealed"]):
                disclosed += 1
            else:
                report.bad(f"seq {entry.get('seq')} ({entry.get('action')}): the disclosed content does not match "
                           "the fingerprint its logged entry holds")
        elif "withheld" in entry:
            withheld += 1
    if disclosed or withheld:
        report.good(f"{disclosed} disclosed content(s) match the fingerprints in the log; {withheld} still withheld")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="irm verify", description=__doc__.split("\n\n")[0])
    parser.add_argument("target", help="a finding id (fnd_...) or a case id")
    parser.add_argument("--url", default=os.environ.get("IRM_URL", "http://127.0.0.1:8000"), help="the public base URL")
    parser.add_argument("--key", default=os.environ.get("IRM_LOG_KEY"),
                        help="the log's published verifier key (name+keyid+base64), or @FILE")
    parser.add_argument("--state", type=Path, default=DEFAULT_STATE,
                        help=f"where the last verified checkpoint is kept between runs (default {DEFAULT_STATE})")
    parser.add_argument("--no-state", action="store_true", help="neither read nor update the state file")
    parser.add_argument("--checkpoint", type=Path, help="a signed checkpoint obtained earlier or elsewhere, to check consistency with")
    parser.add_argument("--wait", type=float, default=0, help="seconds to wait for recent entries to reach a signed checkpoint")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    if not args.key:
        parser.error("--key is required (or IRM_LOG_KEY): take it from where the log operator publishes it")
    try:
        key_text = Path(args.key[1:]).read_text() if args.key.startswith("@") else args.key
        key = VerifierKey.parse(key_text)
    except (OSError, NoteError) as exc:
        parser.error(f"--key: {exc}")
    try:
        report = verify(args.url, key, args.target, state_path=None if args.no_state else args.state,
                        earlier_checkpoint=args.checkpoint.read_text() if args.checkpoint else None, wait=args.wait)
    except Unreachable as exc:
        print(f"irm verify: cannot check: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        for line in report.checked:
            print(f"  ok    {line}")
        for line in report.problems:
            print(f"  FAIL  {line}")
        print("VERIFIED" if report.ok else "NOT VERIFIED")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
