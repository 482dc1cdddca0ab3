"""A second factor: time-based one-time passwords (RFC 6238 over RFC 4226's HOTP), from the RFCs.

What every authenticator app reads: HMAC-SHA1, 6 digits, a 30-second step from the Unix epoch,
a 160-bit secret (RFC 4226 section 4 asks for at least 128, recommends 160) shown as base32 in an
otpauth:// URI (the "Key URI Format" the apps share) or a QR code of it.

A code is accepted for the step it was made in or the one either side (clocks drift, people type
slowly: RFC 6238 section 5.2 advises at most one step back). A step is accepted once: the step of
the last accepted code is stored and passed in, and only a later step passes, so a code seen over a
shoulder or replayed from a log is worth nothing (section 5.2: "MUST NOT accept the second attempt
of the same OTP"). Guessing is bounded by the sign-in throttle (signin.py): a wrong code is a failed
sign-in like a wrong password.
"""
import base64
import hashlib
import hmac
import secrets
import struct
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlencode

DIGITS = 6
STEP_SECONDS = 30
WINDOW_STEPS = 1
SECRET_BYTES = 20  # 160 bits: 32 base32 characters, no padding


def hotp(secret: bytes, counter: int, digits: int = DIGITS, digest=hashlib.sha1) -> str:
    """RFC 4226 section 5.3: HMAC of the 8-byte big-endian counter, dynamically truncated to `digits` digits."""
    mac = hmac.new(secret, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10 ** digits).zfill(digits)


def time_step(at: datetime, step_seconds: int = STEP_SECONDS) -> int:
    """RFC 6238 section 4.2: T = floor((unix time - T0) / X), with T0 = 0."""
    return int(at.timestamp()) // step_seconds


def totp(secret: bytes, at: datetime, digits: int = DIGITS, step_seconds: int = STEP_SECONDS) -> str:
    return hotp(secret, time_step(at, step_seconds), digits)


@dataclass(frozen=True)
class Check:
    ok: bool
    step: int | None  # the step to store as the last accepted one when ok; the one passed in otherwise


def verify(secret: bytes, code: str, at: datetime, last_step: int | None) -> Check:
    """Whether `code` (6 digits; spaces people put between groups are ignored, and digits typed on an
    Arabic keyboard, ٠-٩, count as 0-9) is the code of a step within WINDOW_STEPS of `at`'s and later
    than `last_step` (None: no code accepted yet)."""
    typed = "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in "".join(code.split()))
    if len(typed) != DIGITS or not typed.isascii() or not typed.isdigit():
        return Check(False, last_step)
    now_step = time_step(at)
    matched = None
    for step in range(now_step - WINDOW_STEPS, now_step + WINDOW_STEPS + 1):
        # every candidate is computed and compared in constant time: no early exit to time
        if hmac.compare_digest(hotp(secret, step), typed) and matched is None:
            matched = step
    if matched is None or (last_step is not None and matched <= last_step):
        return Check(False, last_step)
    return Check(True, matched)


def new_secret() -> str:
    """A fresh 160-bit secret in base32 (what the person's app is given and the account stores)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def secret_bytes(secret_base32: str) -> bytes:
    """The key of a base32 secret, written as people and apps write it (lowercase, spaces, no padding)."""
    text = "".join(secret_base32.split()).upper()
    return base64.b32decode(text + "=" * (-len(text) % 8))


def provisioning_uri(secret_base32: str, account: str, issuer: str) -> str:
    """otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=... with the label percent-encoded; the issuer is
    in the label (older apps) and as a parameter (newer ones). Neither part may hold a colon, which
    separates them."""
    if ":" in issuer or ":" in account:
        raise ValueError("an otpauth label's issuer and account may not contain ':'")
    label = f"{quote(issuer, safe='')}:{quote(account, safe='')}"
    query = urlencode({"secret": "".join(secret_base32.split()).upper().rstrip("="), "issuer": issuer,
                       "algorithm": "SHA1", "digits": DIGITS, "period": STEP_SECONDS}, quote_via=quote)
    return f"otpauth://totp/{label}?{query}"
