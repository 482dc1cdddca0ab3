"""make demo: one case through every stage of the review on the running stack (`make dev`),
printed with its audit trail and its check against the transparency log. The sample data and
the run itself are devtools/sample.py (the tests and bench use them too)."""
import json
import os
import sys

from cli import irmctl
from devtools.sample import run_demo


def print_report(result):
    finding, trail = result["finding"], result["audit"]
    print("\n== Published finding ==")
    print(json.dumps({k: finding[k] for k in ("id", "member", "action_plan", "summary", "published_at", "content_sha256")},
                     ensure_ascii=False, indent=2))
    for commitment in finding["commitments"]:
        values = {name: (r or {}).get("value") for name, r in commitment["ratings"].items() if r}
        print(f"  {commitment['commitment_id']} {commitment['title'].get('en') or next(iter(commitment['title'].values()))}: "
              f"{json.dumps(values, ensure_ascii=False)} starred={commitment['judgements']['starred']}")
    print("\n== Audit trail ==")
    for entry in trail["entries"]:
        print(f"  #{entry['seq']:<2} {entry['occurred_at']}  {entry['action']:<26} {entry['actor']['role']}:{entry['actor']['id']:<12} "
              f"{entry['reason']}")
        # What people wrote and the draft's values are sealed in the entry: served once disclosed.
        sealed = (entry.get("sealed") or {}).get("content") or {}
        changes = sealed.get("changes") if entry["action"] == "rating.saved" else None
        if changes is not None:
            moved = [f"{name}: {change['from']} -> {change['to']}" for name, change in changes.items()
                     if not isinstance(change["to"], dict)]
            print("      " + (", ".join(moved) if moved else "values unchanged; justification or evidence revised"))
        for comment in sealed.get("comments") or []:
            print(f"      comment on {comment.get('commitment_id') or 'the plan'}: {next(iter(comment['text'].values()))}")
    verification = trail["verification"]
    print(f"\nChain verification: {'VALID' if verification['valid'] else 'INVALID'} "
          f"({verification['entries']} entries, head {verification['head'][:16]}...)")
    log_report = result["log"]
    print(f"Transparency log: {'VERIFIED' if log_report.ok else 'NOT VERIFIED'}, every entry included in the checkpoint "
          f"signed at {log_report.checkpoint['time']} ({log_report.checkpoint['size']} entries)")
    for problem in log_report.problems:
        print(f"  FAIL {problem}")
    print(f"  check it yourself: irm verify {finding['id']} --url <this server> --key <the published verifier key>")


def main():
    base_url = os.environ.get("BASE_URL")
    if not base_url and irmctl.DEV_ENV.exists():
        base_url = dict(line.split("=", 1) for line in irmctl.DEV_ENV.read_text().splitlines() if "=" in line).get("BASE_URL")
    if not base_url:
        sys.exit("make demo: start the stack first with `make dev` (or set BASE_URL and MONGODB_URI).")
    result = run_demo(base_url, irmctl.mongodb_uri())
    print_report(result)


if __name__ == "__main__":
    main()
