"""Field types the contracts share."""
import functools
import re
import zoneinfo

from marshmallow import ValidationError, fields, validate

from shared.edge import INT64_MAX, INT64_MIN
from shared.irm import LANGUAGES

MEMBER_CODE = validate.Regexp(r"^[A-Z0-9][A-Z0-9-]{1,31}\Z", error="Member codes are upper-case letters, digits and '-', e.g. TN or MA-BMK.")
# An expert's registry id (review's registry, and the account an invitation binds to it).
EXPERT_ID = validate.Regexp(r"^[a-z0-9][a-z0-9-]{1,63}\Z")
TIME_ZONE_REFUSED = "{input} is not an IANA time zone: give one such as Africa/Tunis, Europe/Paris or UTC."


@functools.lru_cache(maxsize=1)
def _known_time_zones() -> frozenset:
    return frozenset(zoneinfo.available_timezones())


def time_zone_problem(name) -> str | None:
    """Why `name` is not a time zone a member may have (None when it is): an IANA name this system's
    zone database knows, exactly as written ("Africa/Tunis"; "africa/tunis", "+01:00" or "CET+1" are refused)."""
    if not isinstance(name, str) or name not in _known_time_zones():
        return TIME_ZONE_REFUSED.format(input=repr(name))
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return TIME_ZONE_REFUSED.format(input=repr(name))
    return None


def time_zone(value) -> None:
    """A marshmallow validator: a member's time zone (time_zone_problem)."""
    problem = time_zone_problem(value)
    if problem:
        raise ValidationError(problem)


CYCLE_PATTERN = re.compile(r"^(\d{4})-(\d{4})\Z")


class LocalizedText(fields.Dict):
    """Free text given in any of ar/fr/en: {"ar": "...", "fr": "..."}; at least one language.

    Text is kept exactly as sent (no normalisation), so Arabic round-trips byte-exact.
    """

    def __init__(self, max_length=20000, **kwargs):
        super().__init__(
            keys=fields.String(validate=validate.OneOf(LANGUAGES, error="Language must be one of ar, fr, en.")),
            values=fields.String(validate=validate.Length(min=1, max=max_length)),
            **kwargs,
        )
        self.max_length = max_length

    def _deserialize(self, value, attr, data, **kwargs):
        # A self-assessment holds ~200 of these: checked directly when every key and value is plainly
        # right (what the generic Dict would accept unchanged), through the Dict (and its error
        # messages) otherwise. The generic path is most of what loading a self-assessment costs.
        if isinstance(value, dict) and all(
                key in LANGUAGES and type(text) is str and 1 <= len(text) <= self.max_length
                for key, text in value.items()):
            result = dict(value)
        else:
            result = super()._deserialize(value, attr, data, **kwargs)
        if not any(text.strip() for text in result.values()):
            raise ValidationError("Give the text in at least one of ar, fr, en.")
        return result


class Integer(fields.Integer):
    """An integer MongoDB can hold (signed 64-bit). Every query and body integer is one of these:
    a larger one cannot even be compared in a query (pymongo raises OverflowError: a 500)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and len(value.strip().lstrip("+-")) > 19:  # never int() a 5,000-digit string
            raise ValidationError(f"Must be an integer between {INT64_MIN} and {INT64_MAX}.")
        number = super()._deserialize(value, attr, data, **kwargs)
        if not INT64_MIN <= number <= INT64_MAX:
            raise ValidationError(f"Must be an integer between {INT64_MIN} and {INT64_MAX}.")
        return number


class Cycle(fields.String):
    """An action plan cycle, 'YYYY-YYYY', ending one to four years after it starts."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        match = CYCLE_PATTERN.match(text)
        if not match:
            raise ValidationError("Cycle must look like 2023-2025.")
        start, end = int(match.group(1)), int(match.group(2))
        if not 1 <= end - start <= 4 or start < 2011:  # OGP started in 2011
            raise ValidationError("Cycle must start in 2011 or later and end 1 to 4 years after it starts.")
        return text


def languages_of(*texts) -> list:
    """The languages used across some LocalizedText values, in canonical order."""
    used = {lang for text in texts if text for lang, value in text.items() if value.strip()}
    return [lang for lang in LANGUAGES if lang in used]
