"""irmctl: the operator's command line.

    irmctl member add TN --kind national --name en=Tunisia --name fr=Tunisie --name ar=تونس
    irmctl expert add exp-amina --name "Amina B." --languages ar,fr --affiliation MA --capacity 3
    irmctl token create --role poc --subject poc-tn --member TN
    irmctl token revoke --subject poc-tn
    irmctl audit verify CASE_ID
    irmctl rejected list

The database is MONGODB_URI, or the one `make dev` wrote to var/dev.env.
"""
import argparse
import json
import os
import sys
from pathlib import Path

from cli import operations

DEV_ENV = Path(__file__).resolve().parent.parent / "var" / "dev.env"


def mongodb_uri() -> str:
    if os.environ.get("MONGODB_URI"):
        return os.environ["MONGODB_URI"]
    if DEV_ENV.exists():
        for line in DEV_ENV.read_text().splitlines():
            key, _, value = line.partition("=")
            if key == "MONGODB_URI":
                return value
    sys.exit("irmctl: set MONGODB_URI (or start the stack with `make dev`).")


def _names(pairs):
    names = {}
    for pair in pairs:
        lang, sep, text = pair.partition("=")
        if not sep:
            raise operations.OperationError(f"--name takes LANG=TEXT, got {pair!r}")
        names[lang] = text
    return names


def build_parser():
    parser = argparse.ArgumentParser(prog="irmctl", description="Operate irm-review: registries, tokens, audit checks.")
    sub = parser.add_subparsers(dest="command", required=True)

    member = sub.add_parser("member", help="OGP members").add_subparsers(dest="action", required=True)
    add = member.add_parser("add", help="create or update a member")
    add.add_argument("code")
    add.add_argument("--kind", required=True, choices=("national", "local"))
    add.add_argument("--name", action="append", required=True, metavar="LANG=TEXT")

    expert = sub.add_parser("expert", help="the expert registry").add_subparsers(dest="action", required=True)
    add = expert.add_parser("add", help="create or update an expert")
    add.add_argument("expert_id")
    add.add_argument("--name", required=True)
    add.add_argument("--languages", required=True, help="comma-separated: ar,fr,en")
    add.add_argument("--affiliation", action="append", default=[], metavar="MEMBER", help="a member the expert is conflicted with")
    add.add_argument("--capacity", type=int, default=3)
    add.add_argument("--unavailable", action="store_true")

    token = sub.add_parser("token", help="bearer tokens").add_subparsers(dest="action", required=True)
    create = token.add_parser("create", help="issue a token (printed once, stored hashed)")
    create.add_argument("--role", required=True, choices=("poc", "expert", "quality_reviewer", "admin"))
    create.add_argument("--subject", required=True, help="the person: expert id, reviewer id, poc id")
    create.add_argument("--member", help="poc only: the member it acts for")
    create.add_argument("--label")
    revoke = token.add_parser("revoke", help="revoke every token of a subject")
    revoke.add_argument("--subject", required=True)

    audit = sub.add_parser("audit", help="the audit trail").add_subparsers(dest="action", required=True)
    verify = audit.add_parser("verify", help="verify a case's hash chain")
    verify.add_argument("case_id")

    rejected = sub.add_parser("rejected", help="messages a consumer could not apply").add_subparsers(dest="action", required=True)
    listing = rejected.add_parser("list")
    listing.add_argument("--limit", type=int, default=50)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    operations.connect(mongodb_uri())
    try:
        if args.command == "member":
            member = operations.add_member(args.code, args.kind, _names(args.name))
            print(f"member {member.code} ({member.kind}) saved")
        elif args.command == "expert":
            expert = operations.add_expert(args.expert_id, args.name, args.languages.split(","), args.affiliation,
                                           args.capacity, not args.unavailable)
            print(f"expert {expert.expert_id} saved: languages {','.join(expert.languages)}, capacity {expert.capacity}")
        elif args.command == "token" and args.action == "create":
            print(operations.issue_token(args.role, args.subject, args.member, args.label))
        elif args.command == "token":
            print(f"{operations.revoke_tokens(args.subject)} token(s) revoked")
        elif args.command == "audit":
            result = operations.verify_case(args.case_id)
            print(json.dumps(result.as_dict(), indent=2))
            return 0 if result.valid and result.entries else 1
        elif args.command == "rejected":
            for message in operations.rejected_messages(args.limit):
                print(json.dumps({"consumer": message.consumer, "kind": message.kind, "reason": message.reason,
                                  "received_at": message.received_at.isoformat(), "event_id": message.message.get("event_id")},
                                 ensure_ascii=False))
    except operations.OperationError as exc:
        print(f"irmctl: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
