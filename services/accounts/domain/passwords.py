"""People's passwords: which ones are accepted, and how they are hashed and checked.

The rule follows NIST SP 800-63B (5.1.1.2): length counts, nothing else is forced. A password
is taken as Unicode normalised with NFKC (the same text typed on two keyboards or input methods
gives the same password) and then:

- at least MIN_CHARACTERS (12) code points, at most MAX_CHARACTERS (1,024): room for any
  passphrase, a bound on what one sign-in hashes;
- not on the common-password list (`common-passwords.txt.gz` beside this module, compared
  case-insensitively; where it comes from: `common-passwords.LICENSE`);
- not the e-mail address, nor its local part, nor containing the local part when that has at
  least LOCAL_PART_CONTAINED_FROM (4) characters (a shorter one, "jo", is in too many good
  passphrases by chance), case-insensitively.

No composition rules (a digit, a symbol), no expiry: NIST advises against both. The answer is a
tuple of reason codes (empty: accepted); the pages translate the codes next to the field.

Hashing is argon2id (argon2-cffi) with OWASP's first recommended parameters: m = 19 MiB, t = 2,
p = 1. Why not RFC 9106's second option (64 MiB, t = 3, p = 4): the servers have 2 cores, so
lanes 3 and 4 add time, not parallel work (measured here: ~0.36 s a verify against ~0.03 s),
and every sign-in runs in eventlet's thread pool, whose 20 threads at 64 MiB each would hold
1.3 GB where 19 MiB holds 380 MB. OWASP rates the two settings of equal strength.

Every function here is plain and blocking (a hash takes tens of milliseconds of CPU): the
service runs `hash_password`, `password_matches` and `unknown_account_check` through
`eventlet.tpool.execute`, or a sign-in would stall every other request of the process.
"""
import functools
import gzip
import secrets
import unicodedata
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import VerifyMismatchError

MIN_CHARACTERS = 12
MAX_CHARACTERS = 1024
LOCAL_PART_CONTAINED_FROM = 4

TOO_SHORT = "password_too_short"
TOO_LONG = "password_too_long"
COMMON = "password_common"
LIKE_EMAIL = "password_like_email"
REASONS = (TOO_SHORT, TOO_LONG, COMMON, LIKE_EMAIL)

COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt.gz")

ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_TIME_COST = 2
ARGON2_PARALLELISM = 1
_HASHER = PasswordHasher(time_cost=ARGON2_TIME_COST, memory_cost=ARGON2_MEMORY_KIB, parallelism=ARGON2_PARALLELISM,
                         hash_len=32, salt_len=16, type=Type.ID)


def normalized(password: str) -> str:
    """The password as it is counted, compared and hashed (NFKC)."""
    return unicodedata.normalize("NFKC", password)


def _folded(text: str) -> str:
    return normalized(text).casefold()


@functools.lru_cache(maxsize=1)
def common_passwords() -> frozenset:
    """The common-password list, folded the way a candidate is (read once)."""
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(_folded(line.strip()) for line in lines if line.strip())


def password_problems(password: str, email: str) -> tuple:
    """Why `password` may not be chosen by the person with `email`, as reason codes (empty: it may)."""
    text = normalized(password)
    length = len(text)
    if length < MIN_CHARACTERS:
        return (TOO_SHORT,)
    if length > MAX_CHARACTERS:
        return (TOO_LONG,)
    problems = []
    folded = text.casefold()
    if folded in common_passwords():
        problems.append(COMMON)
    if _like_email(folded, email):
        problems.append(LIKE_EMAIL)
    return tuple(problems)


def _like_email(folded_password: str, email: str) -> bool:
    address = _folded(email.strip())
    local_part = address.rpartition("@")[0] if "@" in address else address
    if folded_password in (address, local_part):
        return True
    return len(local_part) >= LOCAL_PART_CONTAINED_FROM and local_part in folded_password


def hash_password(password: str) -> str:
    """The argon2id hash to store (PHC string: algorithm, parameters, salt and hash). Blocking: run in tpool."""
    return _HASHER.hash(normalized(password))


def password_matches(stored_hash: str | None, password: str) -> bool:
    """Whether `password` is the one `stored_hash` was made from. With no stored hash (no such account,
    or one that has not set a password) the same work is done against a dummy hash and the answer is
    False, so the time taken does not tell whether the account exists. Blocking: run in tpool."""
    if stored_hash is None:
        return unknown_account_check(password)
    try:
        return _HASHER.verify(stored_hash, normalized(password))
    except VerifyMismatchError:
        return False


def unknown_account_check(password: str) -> bool:
    """A verify of the same cost as a real one, for a sign-in whose account does not exist: always False."""
    try:
        _HASHER.verify(_dummy_hash(), normalized(password))
    except VerifyMismatchError:
        pass
    return False


@functools.lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash with today's parameters of a random secret nobody knows (made once per process)."""
    return _HASHER.hash(secrets.token_urlsafe(32))


def needs_rehash(stored_hash: str) -> bool:
    """Whether a hash was made with other parameters than today's: after a successful sign-in the
    service stores `hash_password(password)` in its place."""
    return _HASHER.check_needs_rehash(stored_hash)
