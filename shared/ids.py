"""Identifiers: a readable prefix says what an id names, a random part makes it unique."""
import uuid


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"
