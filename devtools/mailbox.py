"""A local SMTP server that keeps every mail it receives as a .eml file: `make dev`'s mail server, and the
mail tests' (a real SMTP exchange, never a mock).

    python -m devtools.mailbox --port 8025 --directory var/mail

It runs as its own process (aiosmtpd's asyncio loop does not belong in an eventlet-patched one), so a
test stops it to take the server away and starts it again on the same port to bring it back.
"""
import argparse
import signal
import sys
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller

from cli.mailbox import stored_files  # the reading side, which irmctl uses too


class KeepAsFiles:
    def __init__(self, directory: Path):
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):
        name = f"{time.time_ns()}.eml"
        partial = self.directory / (name + ".part")
        partial.write_bytes(envelope.original_content or envelope.content)
        partial.rename(self.directory / name)  # a reader never sees half a mail
        return "250 Message accepted for delivery"


def stored_mails(directory: Path) -> list:
    """Every mail kept in `directory`, oldest first (email.message.EmailMessage)."""
    return [mail for _, mail in stored_files(directory)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--directory", default="var/mail")
    args = parser.parse_args(argv)
    controller = Controller(KeepAsFiles(Path(args.directory)), hostname=args.host, port=args.port)
    controller.start()
    print(f"mailbox: SMTP on {args.host}:{args.port}, mails kept in {args.directory}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        while not stop.wait(1):
            pass
    finally:
        controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
