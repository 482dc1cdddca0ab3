"""The password rule (NIST SP 800-63B) and argon2id hashing: services/accounts/domain/passwords.py."""
import gzip
import hashlib
import time

import pytest

from services.accounts.domain import passwords
from services.accounts.domain.passwords import COMMON, LIKE_EMAIL, TOO_LONG, TOO_SHORT, password_problems

EMAIL = "amina.benali@gov.example"
GOOD = "rivers carry salt to the sea"


def test_twelve_code_points_are_enough_eleven_are_not():
    assert password_problems("k7#qv!m2zt9w", EMAIL) == ()
    assert password_problems("k7#qv!m2zt9", EMAIL) == (TOO_SHORT,)
    # Code points, not bytes: twelve Arabic letters (24 bytes in UTF-8) are twelve characters.
    assert password_problems("كلمةسرطويلة", EMAIL) == (TOO_SHORT,)
    assert password_problems("كلمةسرطويلةج", EMAIL) == ()


def test_length_is_counted_after_nfkc():
    # U+FB01 (the "fi" ligature) is one code point that NFKC makes two: counted as two.
    eleven_with_ligature = "ﬁrewood-bay"  # 11 code points as typed, 12 after NFKC
    assert len(eleven_with_ligature) == 11
    assert password_problems(eleven_with_ligature, EMAIL) == ()
    # A fullwidth password is the same password as its ASCII spelling.
    assert passwords.normalized("ｐａｓｓｗｏｒｄ１２３４") == "password1234"
    assert password_problems("ｐａｓｓｗｏｒｄ１２３４", EMAIL) == (COMMON,)


def test_at_most_1024_characters():
    assert password_problems("a" * 1024, EMAIL) == ()
    assert password_problems("a" * 1025, EMAIL) == (TOO_LONG,)


def test_no_composition_rules():
    assert password_problems("all lower case words here", EMAIL) == ()


@pytest.mark.parametrize("candidate", ["password1234", "PASSWORD1234", "qwertyuiop123", "1q2w3e4r5t6y"])
def test_common_passwords_are_refused_whatever_their_case(candidate):
    assert candidate.lower() in passwords.common_passwords()
    assert password_problems(candidate, EMAIL) == (COMMON,)


def test_the_common_password_list_is_djangos_file_unchanged():
    data = passwords.COMMON_PASSWORDS_FILE.read_bytes()
    assert hashlib.sha256(data).hexdigest() == "3c1baed62596de36860824eb3f436d5932d37ca8b06e59df78f5a44ec175afe4"
    assert len(set(gzip.decompress(data).decode("utf-8").splitlines()) - {""}) == len(passwords.common_passwords()) == 19640
    licence = passwords.COMMON_PASSWORDS_FILE.with_name("common-passwords.LICENSE").read_text(encoding="utf-8")
    assert "Django Software Foundation" in licence and "Redistribution and use" in licence


@pytest.mark.parametrize("candidate", [EMAIL, EMAIL.upper(), "amina.benali", "AMINA.BENALI", "my amina.benali password"])
def test_the_email_or_its_local_part_is_refused(candidate):
    assert LIKE_EMAIL in password_problems(candidate.ljust(12, "!"), EMAIL)


def test_a_short_local_part_is_refused_only_as_the_whole_password():
    assert password_problems("jo@gov.example", "jo@gov.example") == (LIKE_EMAIL,)
    assert password_problems("joyful mountain road", "jo@gov.example") == ()
    assert password_problems("abcd long enough here", "abcd@gov.example") == (LIKE_EMAIL,)


def test_a_hash_is_argon2id_with_the_chosen_parameters_and_verifies():
    stored = passwords.hash_password(GOOD)
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert passwords.password_matches(stored, GOOD)
    assert not passwords.password_matches(stored, GOOD + " ")
    assert not passwords.needs_rehash(stored)
    assert passwords.hash_password(GOOD) != stored  # a fresh salt each time


def test_the_password_is_hashed_as_normalised():
    stored = passwords.hash_password("ｐａｓｓｐｈｒａｓｅ ｆｏｒ ｙｏｕ")
    assert passwords.password_matches(stored, "passphrase for you")


def test_a_hash_with_older_parameters_needs_rehash():
    from argon2 import PasswordHasher
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(GOOD)
    assert passwords.password_matches(old, GOOD)
    assert passwords.needs_rehash(old)


def test_an_unknown_account_costs_a_real_verify_and_never_matches():
    stored = passwords.hash_password(GOOD)
    passwords.password_matches(None, GOOD)  # the dummy hash is made once, outside the timing

    def timed(stored_hash):
        start = time.perf_counter()
        for _ in range(5):
            passwords.password_matches(stored_hash, "not the password at all")
        return time.perf_counter() - start

    known, unknown = timed(stored), timed(None)
    assert passwords.password_matches(None, GOOD) is False
    # The same argon2 work in both: without the dummy verify the unknown case takes microseconds.
    assert unknown > known / 3
