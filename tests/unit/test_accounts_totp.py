"""TOTP from RFC 6238 over HOTP from RFC 4226, checked against the RFCs' own test vectors."""
import base64
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from services.accounts.domain import totp

RFC_SECRET = b"12345678901234567890"  # both RFCs' SHA-1 test key (ASCII)


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc)


@pytest.mark.parametrize("counter, code", enumerate(
    ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]))
def test_rfc4226_appendix_d_hotp_values(counter, code):
    assert totp.hotp(RFC_SECRET, counter) == code


@pytest.mark.parametrize("unix_time, step, code", [
    (59, 0x1, "94287082"),
    (1111111109, 0x23523EC, "07081804"),
    (1111111111, 0x23523ED, "14050471"),
    (1234567890, 0x273EF07, "89005924"),
    (2000000000, 0x3F940AA, "69279037"),
    (20000000000, 0x27BC86AA, "65353130"),
])
def test_rfc6238_appendix_b_sha1_values(unix_time, step, code):
    assert totp.time_step(at(unix_time)) == step
    assert totp.totp(RFC_SECRET, at(unix_time), digits=8) == code
    assert totp.totp(RFC_SECRET, at(unix_time)) == code[-6:]  # 6 digits: the same number mod 10^6


def test_a_code_is_accepted_one_step_either_side_and_no_further():
    now = at(1111111111)
    for offset, accepted in ((-60, False), (-30, True), (0, True), (30, True), (60, False)):
        code = totp.totp(RFC_SECRET, now + timedelta(seconds=offset))
        check = totp.verify(RFC_SECRET, code, now, last_step=None)
        assert check.ok is accepted, offset
        assert check.step == (totp.time_step(now + timedelta(seconds=offset)) if accepted else None)


def test_a_step_is_accepted_once():
    now = at(1234567890)
    code = totp.totp(RFC_SECRET, now)
    first = totp.verify(RFC_SECRET, code, now, last_step=None)
    assert first.ok
    replay = totp.verify(RFC_SECRET, code, now + timedelta(seconds=5), last_step=first.step)
    assert replay == totp.Check(False, first.step)
    # An earlier step's code, still within the window, is refused once a later step was accepted.
    earlier = totp.totp(RFC_SECRET, now - timedelta(seconds=30))
    assert not totp.verify(RFC_SECRET, earlier, now, last_step=first.step).ok
    later = totp.totp(RFC_SECRET, now + timedelta(seconds=30))
    assert totp.verify(RFC_SECRET, later, now + timedelta(seconds=30), last_step=first.step) == totp.Check(True, first.step + 1)


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "12a456", "²87082", "-12345"])
def test_anything_but_six_ascii_digits_is_refused(typed):
    assert totp.verify(RFC_SECRET, typed, at(59), last_step=None) == totp.Check(False, None)


def test_spaces_between_groups_are_ignored():
    code = totp.totp(RFC_SECRET, at(59))
    assert totp.verify(RFC_SECRET, f" {code[:3]} {code[3:]} ", at(59), last_step=None).ok


def test_digits_typed_on_an_arabic_keyboard_count():
    code = totp.totp(RFC_SECRET, at(59))
    assert code == "287082"
    assert totp.verify(RFC_SECRET, "٢٨٧٠٨٢", at(59), last_step=None).ok
    assert not totp.verify(RFC_SECRET, "٢٨٧٠٨٣", at(59), last_step=None).ok


def test_a_new_secret_is_160_random_bits_in_base32():
    secret = totp.new_secret()
    assert len(secret) == 32 and secret == secret.upper() and "=" not in secret
    assert len(totp.secret_bytes(secret)) == 20
    assert secret != totp.new_secret()
    spaced = " ".join(secret[i:i + 4] for i in range(0, 32, 4)).lower()
    assert totp.secret_bytes(spaced) == totp.secret_bytes(secret)


def test_the_provisioning_uri_carries_the_secret_and_a_percent_encoded_label():
    secret = base64.b32encode(RFC_SECRET).decode()
    uri = totp.provisioning_uri(secret, "amina.benali+irm@gov.example", "IRM review (OGP)")
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert parts.path == "/IRM%20review%20%28OGP%29:amina.benali%2Birm%40gov.example"
    assert parse_qs(parts.query) == {"secret": [secret], "issuer": ["IRM review (OGP)"], "algorithm": ["SHA1"],
                                     "digits": ["6"], "period": ["30"]}
    with pytest.raises(ValueError):
        totp.provisioning_uri(secret, "a@b.example", "IRM: review")
