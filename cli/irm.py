"""irm: the public's command line. Needs no account of ours, only public endpoints.

    irm follow [--member TN]        print findings as they are published (live, AMQP)
    irm verify FINDING --key KEY    check a finding's case history against the signed log
"""
import sys

USAGE = __doc__


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv.pop(0) if argv else None
    if command == "follow":
        from cli import follow

        return follow.main(argv)
    if command == "verify":
        from cli import verify

        return verify.main(argv)
    print(USAGE, file=sys.stderr if command not in ("-h", "--help") else sys.stdout)
    return 0 if command in ("-h", "--help") else 2


if __name__ == "__main__":
    sys.exit(main())
