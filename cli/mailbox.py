"""The mails `make dev`'s local SMTP server (devtools/mailbox.py) keeps as .eml files, read back:
`irmctl mail dev-list`, and the mail tests through devtools/mailbox.py."""
from email import message_from_bytes, policy
from pathlib import Path


def stored_files(directory: Path) -> list:
    """(path, parsed mail) of every mail kept in `directory`, oldest first."""
    return [(path, message_from_bytes(path.read_bytes(), policy=policy.default))
            for path in sorted(Path(directory).glob("*.eml"))]
