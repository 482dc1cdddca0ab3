"""Every setting the code reads is declared once (shared/settings.py), and what is generated
from that declaration (deploy/nameko.yaml, README's table) is current."""
import ast
from pathlib import Path

import yaml
from nameko.cli.main import setup_yaml_parser

from shared import settings

ROOT = Path(__file__).resolve().parents[2]
# devtools: `make dev`'s, `make demo`'s and `make cluster-up`'s code, whose environment reads are settings too. Not
# scanned: bench/ (its options, BENCH_*, are `make bench`'s own command line, documented in bench/run.py and
# bench/README.md, not settings of a deployment or of make dev) and tests/ (the harness's switches, CI).
SCANNED = ("services", "shared", "cli", "devtools")
ENVIRON = ("os.environ",)  # not `environ`: in the gateway that is the WSGI request


def _is_config(node) -> bool:
    return ast.unparse(node).endswith("config")


def _constant(node):
    return node.value if isinstance(node, ast.Constant) else None


def reads_in(path: Path):
    """(kind, key or None, literal default or None, line) for each read of nameko config or the environment."""
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner, method = ast.unparse(node.func.value), node.func.attr
            args = node.args
            if method == "get" and args and (_is_config(node.func.value) or owner in ENVIRON):
                kind = "config" if _is_config(node.func.value) else "env"
                yield kind, _constant(args[0]), _constant(args[1]) if len(args) > 1 else None, node.lineno
            elif owner == "os" and method == "getenv" and args:
                yield "env", _constant(args[0]), _constant(args[1]) if len(args) > 1 else None, node.lineno
            elif owner == "settings" and method == "value" and len(args) > 1:
                yield "config", _constant(args[1]), None, node.lineno
            elif owner == "settings" and method == "env" and args:
                yield "env", _constant(args[0]), None, node.lineno
        elif isinstance(node, ast.Subscript) and (_is_config(node.value) or ast.unparse(node.value) in ENVIRON):
            yield "config" if _is_config(node.value) else "env", _constant(node.slice), None, node.lineno


def all_reads():
    paths = [path for top in SCANNED for path in sorted((ROOT / top).rglob("*.py"))]
    for path in paths:
        if path == ROOT / "shared" / "settings.py":
            continue  # reads by name on behalf of the others
        for kind, key, default, line in reads_in(path):
            yield f"{path.relative_to(ROOT)}:{line}", kind, key, default


def test_the_scan_finds_the_reads_it_must():
    found = {(where.split(":")[0], key) for where, _, key, _ in all_reads()}
    assert ("shared/service_shell.py", "MONGODB_DB") in found
    assert ("services/publication/transparency_log.py", "LOG_CHECKPOINT_SECONDS") in found
    assert ("services/gateway/app.py", "GATEWAY_ADDRESS") in found
    assert ("devtools/rabbitmq_cluster.py", "IRM_CLUSTER_DIR") in found
    assert ("devtools/stack.py", "PUBLIC_BASE_URL") in found


def test_every_key_the_code_reads_is_declared():
    problems = []
    for where, kind, key, default in all_reads():
        if key is None:
            problems.append(f"{where}: reads a key by a computed name: name it literally so it can be checked")
            continue
        if kind == "env" and key in settings.SYSTEM_VARIABLES:
            continue
        setting = settings.BY_KEY.get(key) if kind == "config" else settings.SETTINGS.get(key)
        if kind == "config" and key in settings.NAMEKO_FIXED:
            continue
        if setting is None:
            problems.append(f"{where}: {key} is not declared in shared/settings.py (add it, then `make settings`)")
        elif kind == "config" and not setting.in_nameko_config:
            problems.append(f"{where}: {key} is read from nameko's config, but no service is among its readers, "
                            "so deploy/nameko.yaml does not declare it")
        elif default is not None and str(default) != setting.default:
            problems.append(f"{where}: {key} defaults to {default!r} here but to {setting.default!r} in shared/settings.py")
    assert not problems, "\n".join(problems)


def test_make_dev_s_own_values_are_declared_settings():
    from devtools.stack import DEV_DEFAULTS

    assert set(DEV_DEFAULTS) <= set(settings.SETTINGS)


def test_deploy_nameko_yaml_is_generated_from_the_declaration():
    committed = (ROOT / "deploy" / "nameko.yaml").read_text()
    assert committed == settings.nameko_yaml(), "deploy/nameko.yaml is not current: run `make settings`"


def use_nameko_yaml_parser(monkeypatch):
    """nameko's own parser (`setup_yaml_parser`, as `nameko run` calls it), until monkeypatch undoes it.

    It registers `!env_var` on the global `yaml.SafeLoader` (nameko offers no loader of one's
    own): here it registers on copies of the loader's tables, which monkeypatch puts back, so
    every later `yaml.safe_load` in the session (a compose file's `${AMQP_URI:-...}`) reads plain YAML.
    """
    loader = yaml.SafeLoader
    monkeypatch.setattr(loader, "yaml_constructors", dict(loader.yaml_constructors))
    monkeypatch.setattr(loader, "yaml_implicit_resolvers",
                        {first: list(resolvers) for first, resolvers in loader.yaml_implicit_resolvers.items()})
    setup_yaml_parser()


COMPOSE_LIKE = "uri: ${AMQP_URI:-amqp://guest@rabbitmq/}"


def test_nameko_s_parser_leaves_the_global_yaml_loader_as_it_found_it(monkeypatch):
    monkeypatch.delenv("AMQP_URI", raising=False)
    with monkeypatch.context() as scoped:
        use_nameko_yaml_parser(scoped)
        # nameko's `${NAME:default}` reads compose's `${NAME:-default}` as the default "-amqp...":
        # what test_deploy_files saw when this leaked into the rest of the session.
        assert yaml.safe_load(COMPOSE_LIKE) == {"uri": "-amqp://guest@rabbitmq/"}
    assert yaml.safe_load(COMPOSE_LIKE) == {"uri": "${AMQP_URI:-amqp://guest@rabbitmq/}"}  # plain YAML again


def test_nameko_reads_each_declared_setting_from_the_environment(monkeypatch):
    """Parsed as `nameko run --config` parses it: every service setting reaches the config, typed."""
    use_nameko_yaml_parser(monkeypatch)
    for setting in settings.ALL:
        monkeypatch.delenv(setting.name, raising=False)
    defaults = yaml.safe_load(settings.nameko_yaml())
    assert set(defaults) == {s.key for s in settings.ALL if s.in_nameko_config} | set(settings.NAMEKO_FIXED)
    for setting in settings.ALL:
        if setting.in_nameko_config:
            assert settings.value(defaults, setting.name) == settings.env(setting.name, {}), setting.name
    monkeypatch.setenv("LOG_SIGNING_KEY", "PRIVATE+KEY+irm.example/log+0123abcd+AAAA/+==")
    monkeypatch.setenv("LOG_ORIGIN", "yes")  # text stays text
    monkeypatch.setenv("LOG_CHECKPOINT_SECONDS", "2")
    monkeypatch.setenv("MONGODB_DB", "irm_other")
    config = yaml.safe_load(settings.nameko_yaml())
    assert config["LOG_SIGNING_KEY"] == "PRIVATE+KEY+irm.example/log+0123abcd+AAAA/+=="
    assert settings.value(config, "LOG_ORIGIN") == "yes"
    assert settings.value(config, "LOG_CHECKPOINT_SECONDS") == 2.0
    assert settings.value(config, "MONGODB_DB") == "irm_other"
    assert settings.value(config, "max_workers" and "MAX_WORKERS") == 10


def test_an_absent_or_empty_value_is_the_declared_default():
    assert settings.value({}, "LOG_CHECKPOINT_SECONDS") == 10.0
    assert settings.value({"LOG_CHECKPOINT_SECONDS": 0}, "LOG_CHECKPOINT_SECONDS") == 0.0  # 0 is a value
    assert settings.value({"LOG_SIGNING_KEY": None}, "LOG_SIGNING_KEY") is None
    assert settings.env("GATEWAY_ADDRESS", {"GATEWAY_ADDRESS": ""}) == "127.0.0.1:8000"


def test_the_review_timing_defaults_are_the_declared_ones():
    from services.review.domain.deadlines import Timing

    assert Timing.from_config({}) == Timing()


def test_readme_s_settings_table_is_generated_from_the_declaration():
    readme = (ROOT / "README.md").read_text()
    assert settings.readme_with_table(readme) == readme, "README.md's settings table is not current: run `make settings`"
    for setting in settings.ALL:
        assert f"| `{setting.name}` |" in readme
