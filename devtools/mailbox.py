"""A local SMTP server that keeps every mail it receives as a .eml file: `make dev`'s mail server, and the
mail tests' (a real SMTP exchange, never a mock).

    python -m devtools.mailbox --port 8025 --directory var/mail [--page-port 8026]

With --page-port, a page on 127.0.0.1 lists them too (devtools/mailbox_page.py).

It runs as its own process (aiosmtpd's asyncio loop does not belong in an eventlet-patched one), so a
test stops it to take the server away and starts it again on the same port to bring it back (`Mailbox`).
"""
import argparse
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller

from cli.mailbox import stored_files  # the reading side, which irmctl uses too
from devtools import mailbox_page
from devtools.errors import StackError
from devtools.ports import free_port


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


class Mailbox:
    """This server as a process of the caller's: started, stopped and started again on one port, keeping
    mails in one folder (the mail, browser and fault tests' SMTP server)."""

    def __init__(self, directory: Path):
        self.directory, self.port, self.process = Path(directory), free_port(), None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> "Mailbox":
        self.process = subprocess.Popen([sys.executable, "-m", "devtools.mailbox", "--port", str(self.port),
                                         "--directory", str(self.directory)], stdout=subprocess.PIPE)
        if b"mailbox: SMTP on" not in self.process.stdout.readline():
            raise StackError(f"the mailbox did not start on port {self.port}")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def mails(self) -> list:
        return stored_mails(self.directory)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--directory", default="var/mail")
    parser.add_argument("--page-port", type=int, help="also list the mails on a page at http://127.0.0.1:PORT/")
    args = parser.parse_args(argv)
    controller = Controller(KeepAsFiles(Path(args.directory)), hostname=args.host, port=args.port)
    controller.start()
    page = None
    if args.page_port:
        page = mailbox_page.serve(Path(args.directory), "127.0.0.1", args.page_port)
        threading.Thread(target=page.serve_forever, daemon=True).start()
    print(f"mailbox: SMTP on {args.host}:{args.port}, mails kept in {args.directory}"
          + (f", listed at http://127.0.0.1:{args.page_port}/" if page else ""), flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        while not stop.wait(1):
            pass
    finally:
        controller.stop()
        if page is not None:
            page.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
