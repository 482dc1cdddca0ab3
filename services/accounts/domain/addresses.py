"""A person's e-mail address as the accounts know it: one spelling, whatever was typed.

An account is found by its address, its per-account sign-in throttle is kept under it, and an
invitation refuses a second account for it, so all three must spell it alike: surrounding
spaces dropped, Unicode composed (NFC: an accented letter typed two ways is one letter) and
lower-cased whole. RFC 5321 lets a mail server treat the local part's case as significant;
none that officials use does, and two accounts differing only in case would be a trap.
Whether the text is an address at all is the form schema's question (it answers field-level).
"""
import unicodedata


def normalized_email(text: str) -> str:
    return unicodedata.normalize("NFC", text.strip()).lower()
