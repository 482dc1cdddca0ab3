"""Connecting to MongoDB (a real mongod, or SecantusDB in development and tests)."""
import mongoengine
from pymongo.uri_parser import parse_uri

DEFAULT_DB = "irm"


def database_name(uri: str, default: str = DEFAULT_DB) -> str:
    return parse_uri(uri).get("database") or default


def with_database(uri: str, db_name: str) -> str:
    """The URI naming `db_name` as its database (mongoengine takes the URI's over its `db` argument)."""
    prefix, _, query = uri.partition("?")
    scheme, _, rest = prefix.partition("://")
    hosts = rest.split("/", 1)[0]
    return f"{scheme}://{hosts}/{db_name}" + (f"?{query}" if query else "")


def connect(uri: str, db_name: str | None = None):
    """Connect mongoengine's default alias once per process and return the pymongo client.

    Several nameko containers may live in one process (tests do that); they share the
    connection instead of fighting over the alias.
    """
    db_name = db_name or database_name(uri)
    try:
        existing = mongoengine.connection.get_db()
    except mongoengine.connection.ConnectionFailure:
        existing = None
    if existing is not None and existing.name == db_name:
        return mongoengine.connection.get_connection()
    mongoengine.disconnect()
    # tz_aware: datetimes come back as UTC-aware, never naive.
    return mongoengine.connect(db=db_name, host=with_database(uri, db_name), tz_aware=True, uuidRepresentation="standard")


def ensure_indexes(documents) -> None:
    for document in documents:
        document.ensure_indexes()


def ping() -> bool:
    mongoengine.connection.get_db().command("ping")
    return True
