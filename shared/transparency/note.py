"""C2SP signed notes (https://c2sp.org/signed-note) and tlog checkpoints (c2sp.org/tlog-checkpoint).

A checkpoint is the text

    <origin>
    <tree size>
    <base64 root hash>
    time: <RFC 3339 UTC>        (an extension line: when the log signed it)

followed by a blank line and one signature line per signer, `— <key name> <base64(key id ||
signature)>`. Keys are Ed25519 (algorithm byte 0x01); the key id is the first four bytes of
SHA-256(name || "\\n" || 0x01 || public key). A verifier key is written
`<name>+<key id, 8 hex digits>+<base64(0x01 || public key)>`, which is what Go's
golang.org/x/mod/sumdb/note, Rekor v2 and Tessera read; the log's origin is its key name.
"""
import base64
import binascii
import hashlib
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ALGORITHM_ED25519 = 0x01
SIGNATURE_DASH = "\u2014"  # an em dash starts every signature line
TIME_PREFIX = "time: "


class NoteError(ValueError):
    """A note, key or checkpoint that is malformed or does not verify."""


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NoteError(f"not base64: {text[:40]!r}") from exc


def _check_name(name: str) -> None:
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise NoteError(f"a key name is non-empty, with no spaces and no '+': {name!r}")


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALGORITHM_ED25519]) + public_key).digest()[:4]


@dataclass(frozen=True)
class VerifierKey:
    name: str
    public_key: bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key)

    def __str__(self) -> str:
        encoded = base64.b64encode(bytes([ALGORITHM_ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    @classmethod
    def parse(cls, text: str) -> "VerifierKey":
        parts = text.strip().split("+", 2)  # base64 may hold '+'; a name never does
        if len(parts) != 3:
            raise NoteError("a verifier key is name+keyid+base64key")
        name, hex_id, encoded = parts
        _check_name(name)
        raw = _b64decode(encoded)
        if len(raw) != 33 or raw[0] != ALGORITHM_ED25519:
            raise NoteError("only Ed25519 verifier keys are supported")
        key = cls(name, raw[1:])
        if key.key_id.hex() != hex_id.lower():
            raise NoteError("the key id does not match the key")
        return key

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class SigningKey:
    name: str
    seed: bytes  # the 32-byte Ed25519 private key

    @classmethod
    def generate(cls, name: str) -> "SigningKey":
        _check_name(name)
        from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

        seed = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return cls(name, seed)

    @property
    def verifier(self) -> VerifierKey:
        public = Ed25519PrivateKey.from_private_bytes(self.seed).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return VerifierKey(self.name, public)

    def __str__(self) -> str:
        encoded = base64.b64encode(bytes([ALGORITHM_ED25519]) + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier.key_id.hex()}+{encoded}"

    def __repr__(self) -> str:  # never print the private key by accident
        return f"SigningKey({self.name!r}, verifier={str(self.verifier)!r})"

    @classmethod
    def parse(cls, text: str) -> "SigningKey":
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError("a signing key is PRIVATE+KEY+name+keyid+base64key")
        _, _, name, hex_id, encoded = parts
        _check_name(name)
        raw = _b64decode(encoded)
        if len(raw) != 33 or raw[0] != ALGORITHM_ED25519:
            raise NoteError("only Ed25519 signing keys are supported")
        key = cls(name, raw[1:])
        if key.verifier.key_id.hex() != hex_id.lower():
            raise NoteError("the key id does not match the key")
        return key

    def sign(self, message: bytes) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(message)


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("a note's text ends with a newline")
    if "\n\n" in text:
        raise NoteError("a note's text has no blank line")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("a note's text has no control characters")


def sign_note(text: str, key: SigningKey) -> str:
    _check_text(text)
    signature = key.sign(text.encode())
    encoded = base64.b64encode(key.verifier.key_id + signature).decode()
    return f"{text}\n{SIGNATURE_DASH} {key.name} {encoded}\n"


def open_note(note: str, key: VerifierKey) -> str:
    """The note's text, if `key` signed it; NoteError otherwise. Other signers' lines are ignored."""
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("a signed note has a blank line before its signatures")
    text, signatures = note[: split + 1], note[split + 2 :]
    _check_text(text)
    if not signatures.endswith("\n"):
        raise NoteError("a signed note ends with a newline")
    for line in signatures[:-1].split("\n"):
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != SIGNATURE_DASH:
            raise NoteError(f"malformed signature line: {line[:60]!r}")
        _, name, encoded = parts
        raw = _b64decode(encoded)
        if name != key.name or raw[:4] != key.key_id:
            continue
        if key.verify(text.encode(), raw[4:]):
            return text
        raise NoteError(f"the signature by {name} does not verify: the note was altered or forged")
    raise NoteError(f"the note carries no signature by {key.name}")


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple = field(default=())

    @property
    def time(self) -> str | None:
        for line in self.extensions:
            if line.startswith(TIME_PREFIX):
                return line[len(TIME_PREFIX):]
        return None

    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode(), *self.extensions]
        return "\n".join(lines) + "\n"

    @classmethod
    def parse(cls, text: str) -> "Checkpoint":
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise NoteError("a checkpoint has an origin, a size and a root hash, one per line")
        origin, size, root_b64, *extensions = lines[:-1]
        if not origin:
            raise NoteError("a checkpoint's origin is not empty")
        if not size.isdigit() or (size != "0" and size.startswith("0")):
            raise NoteError(f"a checkpoint's tree size is a decimal number: {size!r}")
        root = _b64decode(root_b64)
        if len(root) != 32:
            raise NoteError("a checkpoint's root hash is 32 bytes")
        return cls(origin, int(size), root, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, key: SigningKey) -> str:
    if checkpoint.origin != key.name:
        raise NoteError("the log signs with a key named as its origin")
    return sign_note(checkpoint.text(), key)


def open_checkpoint(note: str, key: VerifierKey) -> Checkpoint:
    checkpoint = Checkpoint.parse(open_note(note, key))
    if checkpoint.origin != key.name:
        raise NoteError(f"the checkpoint's origin is {checkpoint.origin!r}, but the key is {key.name!r}'s")
    return checkpoint
