"""irmctl: the operator's command line.

    irmctl member add TN --kind national --name en=Tunisia --name fr=Tunisie --name ar=تونس [--time-zone Africa/Tunis]
    irmctl member update TN --time-zone Africa/Tunis     (or --no-time-zone: its pages then say UTC)
    irmctl expert add exp-amina --name "Amina B." --languages ar,fr --affiliation MA --capacity 3
    irmctl token create --role poc --subject poc-tn --member TN
    irmctl token revoke --subject poc-tn
    irmctl account invite-admin admin@example.org --language fr     (the first admin: prints the link)
    irmctl audit verify CASE_ID
    irmctl rejected list
    irmctl dead-letters list
    irmctl dead-letters show EVENT_ID
    irmctl dead-letters replay [EVENT_ID ...] [--all]
    irmctl mail list [--failed] [--limit 50]
    irmctl mail dev-list [--directory var/mail]     (what `make dev`'s local SMTP server kept)
    irmctl import-commitments FILE --member TN --plan 5 [--language en] [--by NAME]

The database is MONGODB_URI and the broker AMQP_URI, or those `make dev` wrote to var/dev.env.
"""
import argparse
import getpass
import json
import os
import sys
from pathlib import Path

# Each command imports what it needs when it runs (the database, the broker, the spreadsheet
# reader): `irmctl --help` and `irmctl log keygen` need none of them.
from services.intake import bulk_import
from shared import settings
from shared.irm import LANGUAGES, MEMBER_KINDS, ROLES

DEV_ENV = Path(__file__).resolve().parent.parent / "var" / "dev.env"


def _written_by_make_dev(name: str) -> str | None:
    if DEV_ENV.exists():
        for line in DEV_ENV.read_text().splitlines():
            key, _, value = line.partition("=")
            if key == name:
                return value
    return None


def mongodb_uri() -> str:
    return os.environ.get("MONGODB_URI") or _written_by_make_dev("MONGODB_URI") or sys.exit(
        "irmctl: set MONGODB_URI (or start the stack with `make dev`).")


def amqp_uri() -> str:
    return os.environ.get("AMQP_URI") or _written_by_make_dev("AMQP_URI") or sys.exit(
        "irmctl: set AMQP_URI (or start the stack with `make dev`).")


def _names(pairs):
    names = {}
    for pair in pairs:
        lang, sep, text = pair.partition("=")
        if not sep:
            from cli.operations import OperationError

            raise OperationError(f"--name takes LANG=TEXT, got {pair!r}")
        names[lang] = text
    return names


def build_parser():
    parser = argparse.ArgumentParser(prog="irmctl", description="Operate irm-review: registries, tokens, audit checks.")
    sub = parser.add_subparsers(dest="command", required=True)

    member = sub.add_parser("member", help="OGP members").add_subparsers(dest="action", required=True)
    add = member.add_parser("add", help="create or update a member")
    add.add_argument("code")
    add.add_argument("--kind", required=True, choices=MEMBER_KINDS)
    add.add_argument("--region", help="e.g. MENA: experts with this region in their expertise are preferred")
    add.add_argument("--name", action="append", required=True, metavar="LANG=TEXT")
    add.add_argument("--time-zone", metavar="ZONE", help="an IANA time zone, e.g. Africa/Tunis: the government's pages "
                     "state deadlines in it (none: UTC)")
    update = member.add_parser("update", help="change an existing member's time zone")
    update.add_argument("code")
    zone = update.add_mutually_exclusive_group(required=True)
    zone.add_argument("--time-zone", metavar="ZONE", help="an IANA time zone, e.g. Africa/Tunis")
    zone.add_argument("--no-time-zone", action="store_true", help="none: the pages state times in UTC")

    expert = sub.add_parser("expert", help="the expert registry").add_subparsers(dest="action", required=True)
    add = expert.add_parser("add", help="create or update an expert")
    add.add_argument("expert_id")
    add.add_argument("--name", required=True)
    add.add_argument("--languages", required=True, help="comma-separated: ar,fr,en")
    add.add_argument("--affiliation", action="append", default=[], metavar="MEMBER", help="a member the expert is conflicted with")
    add.add_argument("--expertise", action="append", default=[], metavar="MEMBER_OR_REGION", help="preferred for these members or regions")
    add.add_argument("--capacity", type=int, default=3)
    add.add_argument("--unavailable", action="store_true")

    token = sub.add_parser("token", help="bearer tokens").add_subparsers(dest="action", required=True)
    create = token.add_parser("create", help="issue a token (printed once, stored hashed)")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--subject", required=True, help="the person: expert id, reviewer id, poc id")
    create.add_argument("--member", help="poc only: the member it acts for")
    create.add_argument("--label")
    revoke = token.add_parser("revoke", help="revoke every token of a subject")
    revoke.add_argument("--subject", required=True)

    account = sub.add_parser("account", help="people's accounts").add_subparsers(dest="action", required=True)
    first = account.add_parser("invite-admin", help="invite the first admin (refused once an admin account is in use); "
                                                   "prints the invitation's link, once")
    first.add_argument("email")
    first.add_argument("--language", default="en", choices=LANGUAGES)

    mail = sub.add_parser("mail", help="the mails the events called for").add_subparsers(dest="action", required=True)
    listing = mail.add_parser("list", help="newest first, never their links")
    listing.add_argument("--failed", action="store_true", help="only the parked ones (they kept failing)")
    listing.add_argument("--limit", type=int, default=50)
    dev_list = mail.add_parser("dev-list", help="the mails `make dev`'s local SMTP server kept (.eml files)")
    dev_list.add_argument("--directory", type=Path, default=Path(__file__).resolve().parent.parent / "var" / "mail")

    audit = sub.add_parser("audit", help="the audit trail").add_subparsers(dest="action", required=True)
    verify = audit.add_parser("verify", help="verify a case's hash chain")
    verify.add_argument("case_id")

    rejected = sub.add_parser("rejected", help="messages a consumer could not apply").add_subparsers(dest="action", required=True)
    listing = rejected.add_parser("list")
    listing.add_argument("--limit", type=int, default=50)

    dead = sub.add_parser("dead-letters", help="messages parked after their retries").add_subparsers(dest="action", required=True)
    dead.add_parser("list")
    show = dead.add_parser("show")
    show.add_argument("event_id")
    replay = dead.add_parser("replay", help="send parked messages back to their consumer (after fixing the cause)")
    replay.add_argument("event_ids", nargs="*")
    replay.add_argument("--all", action="store_true")

    broker = sub.add_parser("broker", help="the broker's public side").add_subparsers(dest="action", required=True)
    public_user = broker.add_parser("public-user", help="create the read-only account of the public live feed (rabbitmqctl)")
    public_user.add_argument("--vhost", default="/")
    public_user.add_argument("--password", default="irm-public", help="no secret: the account is public, its permissions protect")
    public_user.add_argument("--print", action="store_true", help="print the commands (e.g. for docker compose exec rabbitmq)")

    migrate = sub.add_parser("migrate", help="bring stored data to this version").add_subparsers(dest="action", required=True)
    migrate.add_parser("comments", help="move comments embedded in review cases to their own collection")
    log_key = sub.add_parser("log", help="the transparency log").add_subparsers(dest="action", required=True)
    keygen = log_key.add_parser("keygen", help="make a signing key: put it in LOG_SIGNING_KEY(_FILE), publish its verifier key")
    keygen.add_argument("--origin", required=True, help="the log's name, e.g. irm-review.example.org/audit-log")

    commitments = sub.add_parser("import-commitments", help="import an action plan's commitments from a .csv (UTF-8) or .xlsx file",
                                 description="Columns as in OGP's commitments data: " + ", ".join(bulk_import.REQUIRED_COLUMNS)
                                 + ". Supporting Institution(s) is split on ';' (or on ',' when there is no ';').")
    commitments.add_argument("file", type=Path, metavar="FILE", help=".csv (UTF-8) or .xlsx: the first sheet, the header in row 1")
    commitments.add_argument("--member", required=True, help="the member code, e.g. TN")
    commitments.add_argument("--plan", required=True, type=int, help="the action plan number every row must have")
    commitments.add_argument("--language", default="en", choices=LANGUAGES, help="the language of titles and full texts")
    commitments.add_argument("--by", default=None, help="who imports, for provenance (default: irmctl:<your login>)")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.command == "broker":
        return broker_public_user(args)
    if args.command == "log":
        from shared.transparency.note import SigningKey

        key = SigningKey.generate(args.origin)
        print(f"signing key (secret; LOG_SIGNING_KEY):  {key}")
        print(f"verifier key (publish it):            {key.verifier}")
        return 0
    if args.command == "mail" and args.action == "dev-list":
        return mail_dev_list(args.directory)
    from cli import operations

    operations.connect(mongodb_uri(), settings.env("MONGODB_DB"))  # the services' database, as they pick it
    try:
        if args.command == "member" and args.action == "update":
            member = operations.set_member_time_zone(args.code, None if args.no_time_zone else args.time_zone)
            print(f"member {member.code} saved: time zone {member.time_zone or 'none (UTC)'}")
        elif args.command == "member":
            member = operations.add_member(args.code, args.kind, _names(args.name), args.region, args.time_zone)
            print(f"member {member.code} ({member.kind}) saved" + (f": time zone {member.time_zone}" if member.time_zone else ""))
        elif args.command == "expert":
            expert = operations.add_expert(args.expert_id, args.name, args.languages.split(","), args.affiliation,
                                           args.capacity, not args.unavailable, args.expertise)
            print(f"expert {expert.expert_id} saved: languages {','.join(expert.languages)}, capacity {expert.capacity}")
        elif args.command == "token" and args.action == "create":
            print(operations.issue_token(args.role, args.subject, args.member, args.label))
        elif args.command == "token":
            print(f"{operations.revoke_tokens(args.subject)} token(s) revoked")
        elif args.command == "account":
            person, token, link, expires_at = operations.invite_first_admin(args.email, args.language)
            print(f"invited {person.email} as admin (person {person.person_id}); the link works once, until "
                  f"{expires_at.isoformat()}:\n{link}\n"
                  f"until the pages exist: POST /api/v1/invitations/accept {{\"token\": \"{token}\", \"password\": ...}}, "
                  f"then POST /api/v1/invitations/confirm {{\"token\": ..., \"code\": <the authenticator's code>}}")
        elif args.command == "audit":
            result = operations.verify_case(args.case_id)
            print(json.dumps(result.as_dict(), indent=2))
            return 0 if result.valid and result.entries else 1
        elif args.command == "migrate":
            from services.review.migrations import move_embedded_comments

            print(f"{move_embedded_comments()} case(s) had their comments moved to review_comments")
        elif args.command == "mail":
            return mail_list(args.failed, args.limit)
        elif args.command == "dead-letters":
            return dead_letters(args)
        elif args.command == "import-commitments":
            return import_commitments(args)
        elif args.command == "rejected":
            for message in operations.rejected_messages(args.limit):
                print(json.dumps({"consumer": message.consumer, "kind": message.kind, "reason": message.reason,
                                  "received_at": message.received_at.isoformat(), "event_id": message.message.get("event_id")},
                                 ensure_ascii=False))
    except operations.OperationError as exc:
        print(f"irmctl: {exc}", file=sys.stderr)
        return 2
    return 0


def broker_public_user(args) -> int:
    import shlex

    from cli.broker import BrokerSetupFailed, create_public_user
    from shared.topology import public_user_commands

    if args.print:
        for command in public_user_commands(args.vhost, args.password):
            print(shlex.join(command))
        return 0
    try:
        create_public_user(args.vhost, args.password, progress=lambda command: print(f"done: {shlex.join(command[:4])} ..."))
    except BrokerSetupFailed as exc:
        print(f"irmctl: {exc}", file=sys.stderr)
        return 2
    return 0


def import_commitments(args) -> int:
    progress_shown = False

    def show_progress(done, total):
        nonlocal progress_shown
        progress_shown = True
        print(f"\r  {done}/{total} rows", end="", file=sys.stderr, flush=True)

    def end_progress_line():
        if progress_shown:
            print(file=sys.stderr)

    try:
        report = bulk_import.import_commitments(args.file, member_code=args.member, plan_number=args.plan, language=args.language,
                                                imported_by=args.by or f"irmctl:{_login()}", progress=show_progress)
    except OSError as exc:
        end_progress_line()
        print(f"irmctl: cannot read {exc.filename or args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # not .csv/.xlsx, not UTF-8, a missing column, an unknown member
        end_progress_line()
        print(f"irmctl: {exc}", file=sys.stderr)
        return 2
    end_progress_line()
    print(f"imported {report.imported}, rejected {len(report.rejected)}")
    for row_number, commitment_id, reason in report.rejected:
        print(f"row {row_number}" + (f" ({commitment_id})" if commitment_id else "") + f": {reason}")
    return 0


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container user without a passwd entry or login name
        return "unknown"


def mail_list(failed: bool, limit: int) -> int:
    from services.mail import queries, views
    from services.mail.domain import delivery

    mails = queries.mails(delivery.FAILED if failed else None, limit)
    for mail in mails:
        print(json.dumps(views.mail_view(mail), ensure_ascii=False))
    print(f"{len(mails)} {'parked ' if failed else ''}mail(s)", file=sys.stderr)
    return 0


def mail_dev_list(directory: Path) -> int:
    from cli.mailbox import stored_files

    files = stored_files(directory)
    for path, mail in files:
        print(json.dumps({"file": str(path), "date": mail["Date"], "to": mail["To"], "subject": mail["Subject"],
                          "message_id": mail["Message-ID"]}, ensure_ascii=False))
    print(f"{len(files)} mail(s) in {directory}", file=sys.stderr)
    return 0


def dead_letters(args) -> int:
    from shared import dead_letters as queue

    if args.action == "list":
        letters = queue.letters(amqp_uri())
        for letter in letters:
            print(json.dumps(letter.summary(), ensure_ascii=False))
        print(f"{len(letters)} dead letter(s)", file=sys.stderr)
    elif args.action == "show":
        matches = [letter for letter in queue.letters(amqp_uri()) if letter.event_id == args.event_id]
        if not matches:
            print(f"irmctl: no dead letter for event {args.event_id}", file=sys.stderr)
            return 1
        for letter in matches:
            print(json.dumps({"headers": letter.headers, "message": letter.message}, ensure_ascii=False, indent=2, default=str))
    else:
        if not args.event_ids and not args.all:
            print("irmctl: name the event ids to replay, or --all", file=sys.stderr)
            return 2
        chosen = set(args.event_ids or ())
        replayed = []

        def progress(letter):
            replayed.append(letter)
            print(f"replayed {letter.event_id} -> {letter.queue}")

        queue.replay(amqp_uri(), lambda letter: args.all or letter.event_id in chosen, progress=progress)
        print(f"{len(replayed)} dead letter(s) replayed", file=sys.stderr)
    return 0

if __name__ == "__main__":
    sys.exit(main())
