"""The transparency log's signing key is the one the operator configured (services/publication/
transparency_log.py: load_signing_key): LOG_SIGNING_KEY itself, else the file LOG_SIGNING_KEY_FILE names,
made on first start for LOG_ORIGIN and read back on every start after (the compose volume keeps it)."""
import stat

from services.publication.transparency_log import load_signing_key
from shared.transparency.note import SigningKey

ORIGIN = "x.example/log"


def test_a_first_start_writes_a_key_for_the_configured_origin_where_the_setting_says(tmp_path):
    path = tmp_path / "keys" / "log.key"  # the folder too: a fresh volume may be empty
    config = {"LOG_SIGNING_KEY_FILE": str(path), "LOG_ORIGIN": ORIGIN}
    key = load_signing_key(config)
    assert key.name == ORIGIN and key.verifier.name == ORIGIN
    assert path.is_file() and SigningKey.parse(path.read_text()) == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # the private key: its owner only
    assert list(tmp_path.rglob("*")) == [path.parent, path]  # nowhere else (not the default var/ path)


def test_a_restart_signs_with_the_same_key(tmp_path):
    config = {"LOG_SIGNING_KEY_FILE": str(tmp_path / "log.key"), "LOG_ORIGIN": ORIGIN}
    first = load_signing_key(config)
    again = load_signing_key(dict(config))
    assert again == first and str(again.verifier) == str(first.verifier)
    # The key names its origin: a LOG_ORIGIN changed later does not change the key every verifier pinned.
    assert load_signing_key({**config, "LOG_ORIGIN": "y.example/log"}) == first


def test_a_configured_key_wins_with_its_own_origin_and_writes_no_file(tmp_path):
    configured = SigningKey.generate("irm.example/audit-log")
    path = tmp_path / "log.key"
    key = load_signing_key({"LOG_SIGNING_KEY": str(configured), "LOG_SIGNING_KEY_FILE": str(path), "LOG_ORIGIN": ORIGIN})
    assert key == configured and key.name == "irm.example/audit-log"
    assert not path.exists()


def test_an_empty_configured_key_is_no_key(tmp_path):
    """compose passes `LOG_SIGNING_KEY: ${LOG_SIGNING_KEY:-}`: empty unless the host sets it."""
    path = tmp_path / "log.key"
    key = load_signing_key({"LOG_SIGNING_KEY": "", "LOG_SIGNING_KEY_FILE": str(path), "LOG_ORIGIN": ORIGIN})
    assert key.name == ORIGIN and SigningKey.parse(path.read_text()) == key
