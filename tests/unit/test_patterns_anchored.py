"""Every pattern that judges a whole value (an id, a code, a token, a date) holds to its end: `\\Z`, never `$`
(which also matches before a final newline, so `TN\\n` would pass as a member code), or `fullmatch`.

marshmallow's `validate.Regexp` calls `regex.match`: anchored at the start only, so its pattern must end in `\\Z`.
A compiled pattern of these modules used with `.match(` anywhere in the code must end in `\\Z` too; one used with
`.fullmatch(` needs nothing; one used to search or replace (`.search`, `.sub`) does not judge a whole value."""
import importlib
import pkgutil
import re
from pathlib import Path

from marshmallow import Schema, fields, validate

import shared.contracts

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_MODULES = sorted(f"services.{path.parent.name}.schemas" for path in (ROOT / "services").glob("*/schemas.py"))
CONTRACT_MODULES = sorted(f"shared.contracts.{info.name}" for info in pkgutil.iter_modules(shared.contracts.__path__))
MODULES = [importlib.import_module(name) for name in CONTRACT_MODULES + SCHEMA_MODULES]
CODE = {path: path.read_text(encoding="utf-8") for folder in ("services", "shared", "cli")
        for path in (ROOT / folder).rglob("*.py")}


def _validators(validator):
    """A validator and those it is made of (validate.And)."""
    yield validator
    for inner in getattr(validator, "validators", ()) or ():
        yield from _validators(inner)


def _field_validators(field, seen):
    for validator in getattr(field, "validators", ()) or ():
        yield from _validators(validator)
    for inner in (getattr(field, "inner", None), getattr(field, "key_field", None), getattr(field, "value_field", None)):
        if isinstance(inner, fields.Field):
            yield from _field_validators(inner, seen)
    if isinstance(field, fields.Nested):
        nested = field.nested() if callable(field.nested) and not isinstance(field.nested, type) else field.nested
        schema = nested if isinstance(nested, type) else type(nested) if isinstance(nested, Schema) else None
        if schema is not None:
            yield from _schema_validators(schema, seen)


def _schema_validators(schema_class, seen):
    if schema_class in seen:
        return
    seen.add(schema_class)
    for field in schema_class._declared_fields.values():
        yield from _field_validators(field, seen)


def regexp_validators() -> dict:
    """Every validate.Regexp these modules hold, at module level or in a field of a schema they define: {pattern: where}."""
    found, seen = {}, set()
    for module in MODULES:
        for name, value in vars(module).items():
            candidates = []
            if isinstance(value, validate.Validator):
                candidates = list(_validators(value))
            elif isinstance(value, fields.Field):
                candidates = list(_field_validators(value, seen))
            elif isinstance(value, type) and issubclass(value, Schema) and value.__module__ == module.__name__:
                candidates = list(_schema_validators(value, seen))
            for validator in candidates:
                if isinstance(validator, validate.Regexp):
                    found.setdefault(validator.regex.pattern, f"{module.__name__}.{name}")
    return found


def test_every_regexp_validator_ends_in_backslash_z():
    found = regexp_validators()
    assert len(found) >= 8  # the ids, codes, tokens and dates these modules check, as of writing
    assert {pattern: where for pattern, where in found.items() if not pattern.endswith(r"\Z")} == {}


def test_every_compiled_pattern_used_with_match_ends_in_backslash_z():
    compiled = {f"{module.__name__}.{name}": (name, value) for module in MODULES for name, value in vars(module).items()
                if isinstance(value, re.Pattern) and not name.startswith("__")}
    assert compiled  # CYCLE_PATTERN, at least
    unanchored = {}
    for where, (name, pattern) in compiled.items():
        uses = {use for text in CODE.values() for use in re.findall(rf"\b{re.escape(name)}\.(\w+)\(", text)}
        if "match" in uses and not pattern.pattern.endswith(r"\Z"):
            unanchored[where] = (pattern.pattern, sorted(uses))
    assert unanchored == {}

