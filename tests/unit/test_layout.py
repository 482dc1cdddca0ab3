"""Every service has the same shape (README: "Inside a service"), and keeps it.

service.py holds entrypoints (parse, authorize, call a handler, answer) and small private
helpers; handlers.py the decisions over a unit of work; queries.py the reads; views.py how
things are shown; schemas.py what requests may say; documents.py mongoengine documents and
nothing else; domain/ pure rules, with no nameko, broker or database import. The public pages
(services/web) decide nothing and have only the modules that show: see PAGES.
"""
import ast
from pathlib import Path

import pytest
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

from services.accounts.service import AccountsService
from services.intake.service import IntakeService
from services.mail.service import MailService
from services.publication.service import PublicationService
from services.review.service import ReviewService
from services.web.service import WebService

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {"intake": IntakeService, "review": ReviewService, "publication": PublicationService, "accounts": AccountsService,
           "mail": MailService, "web": WebService}
MODULES = ("service.py", "handlers.py", "queries.py", "views.py", "schemas.py", "documents.py", "openapi.py")
# A service with no HTTP API of its own (mail: events in, SMTP out; /health and /metrics are the shell's) has no
# requests to validate and nothing to document: no schemas.py, no openapi.py. Every other module it has.
WITHOUT_API = {"mail"}
API_MODULES = ("schemas.py", "openapi.py")
# The public pages (web) make no decision: what a visitor may do is decided by the APIs behind them (a comment form
# is posted on to review's API, review_api.py, which alone decides; accounts signs people in), and they store nothing.
# So web has what every service has for showing (service.py, entrypoints only; queries.py, the reads, read-only;
# views.py, what a page shows) and its rendering (dependencies.py, i18n.py), and none of what a decision or an API
# needs: no handlers.py, documents.py, domain/, schemas.py (its one query is publication's FINDINGS_QUERY) or openapi.py.
# Only queries.py reads the database (the documents of publication and review, through their queries) and only
# dependencies.py connects to it; no module of web writes.
PAGES = {"web"}
PAGES_MODULES = ("service.py", "queries.py", "views.py", "dependencies.py", "i18n.py")
NOT_IN_PAGES = ("handlers.py", "documents.py", "schemas.py", "openapi.py", "domain")
DECIDING = [service for service in SERVICES if service not in PAGES]
DRIVERS = ("mongoengine", "pymongo", "bson", "shared.persistence")
WRITES = (".save(", ".insert", ".update", ".delete", ".modify(", ".upsert", "uow.")  # what queries.py never calls
INFRASTRUCTURE = ("nameko", "mongoengine", "pymongo", "kombu", "bson", "werkzeug", "eventlet")
PERSISTENCE_INTERNALS = ("_get_collection", "_from_son")
MAX_SERVICE_LINES = 300
MAX_HELPER_LINES = 20  # a private helper of service.py: header parsing, an answer's shape; never a decision


def source(service, name) -> str:
    return (ROOT / "services" / service / name).read_text(encoding="utf-8")


def imported_modules(tree) -> set:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("service", DECIDING)
def test_every_service_has_the_same_modules_and_a_domain_package(service):
    folder = ROOT / "services" / service
    expected = [name for name in MODULES if service not in WITHOUT_API or name not in API_MODULES]
    assert [name for name in expected if not (folder / name).is_file()] == []
    if service in WITHOUT_API:  # and it does not grow an API unnoticed
        assert not any("shared.webserver" in m for m in imported_modules(ast.parse(source(service, "service.py"))))
    assert (folder / "domain" / "__init__.py").is_file() and not (folder / "domain.py").exists()


@pytest.mark.parametrize("service", PAGES)
def test_the_pages_have_the_modules_that_show_and_none_that_decide(service):
    folder = ROOT / "services" / service
    assert [name for name in PAGES_MODULES if not (folder / name).is_file()] == []
    assert [name for name in NOT_IN_PAGES if (folder / name).exists()] == []


@pytest.mark.parametrize("service", PAGES)
def test_the_pages_read_only_in_queries_py_and_write_nothing(service):
    for path in sorted((ROOT / "services" / service).glob("*.py")):
        text = path.read_text(encoding="utf-8")
        modules = imported_modules(ast.parse(text))
        assert "shared.persistence.unit_of_work" not in modules and "Store(" not in text, path  # nothing to write with
        if path.name == "queries.py":
            assert [word for word in WRITES if word in text] == [], path
        if path.name in ("queries.py", "dependencies.py"):
            continue  # the reads; the connection at start and /health's ping (shared/persistence/mongo.py)
        assert [m for m in modules if m.startswith(DRIVERS) or m.endswith(".documents")] == [], path
        assert [word for word in PERSISTENCE_INTERNALS + (".objects",) if word in text] == [], path


@pytest.mark.parametrize("service", SERVICES)
def test_service_py_is_small_and_holds_entrypoints_only(service):
    text = source(service, "service.py")
    assert len(text.splitlines()) < MAX_SERVICE_LINES
    assert [word for word in PERSISTENCE_INTERNALS if word in text] == []
    # Decisions write through a handler: an entrypoint never records, inserts, updates or emits itself.
    assert [call for call in ("uow.record(", "uow.insert(", "uow.update(", "uow.emit(") if call in text] == []
    tree = ast.parse(text)
    cls = SERVICES[service]
    classes = [node.name for node in tree.body if isinstance(node, ast.ClassDef)]
    assert classes == [cls.__name__], "dependencies, schemas and documents live beside service.py, not in it"
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef):
            continue
        method = getattr(cls, node.name, None)
        if method is not None and getattr(method, ENTRYPOINT_EXTENSIONS_ATTR, None):
            continue  # an entrypoint
        if any(node in getattr(parent, "body", ()) for parent in ast.walk(tree) if isinstance(parent, ast.FunctionDef)):
            continue  # a function inside an entrypoint (what it hands to freshness.respond)
        assert node.name.startswith("_"), f"{service}/service.py: {node.name} is neither an entrypoint nor private"
        length = node.end_lineno - node.lineno + 1
        assert length <= MAX_HELPER_LINES, f"{service}/service.py: {node.name} is {length} lines: move it to handlers/queries/views"


@pytest.mark.parametrize("service", DECIDING)
def test_handlers_know_nothing_of_nameko_or_how_the_unit_of_work_stores(service):
    text = source(service, "handlers.py")
    assert [m for m in imported_modules(ast.parse(text)) if m.split(".")[0] in INFRASTRUCTURE] == []
    assert [word for word in PERSISTENCE_INTERNALS if word in text] == []


# Every domain package, also of a service that so far has only its rules (accounts: issue 15's first step).
DOMAINS = sorted(path.parent.parent.name for path in (ROOT / "services").glob("*/domain/__init__.py"))


def test_every_service_is_checked_for_a_pure_domain():
    assert set(DECIDING) <= set(DOMAINS) and "accounts" in DOMAINS


@pytest.mark.parametrize("service", DOMAINS)
def test_the_domain_is_pure(service):
    for path in sorted((ROOT / "services" / service / "domain").glob("*.py")):
        modules = imported_modules(ast.parse(path.read_text(encoding="utf-8")))
        assert [m for m in modules if m.split(".")[0] in INFRASTRUCTURE] == [], path
        assert [m for m in modules if m.startswith("services.") and ".domain" not in m] == [], path  # rules need no shell


@pytest.mark.parametrize("service", DECIDING)
def test_documents_py_holds_documents_only(service):
    tree = ast.parse(source(service, "documents.py"))
    assert [node.name for node in tree.body if isinstance(node, ast.FunctionDef)] == []
    assert all(isinstance(node, (ast.Import, ast.ImportFrom, ast.ClassDef, ast.Assign, ast.Expr)) for node in tree.body)


def test_readme_describes_the_layout():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Inside a service", 1)[1].split("\n#", 1)[0]
    assert all(name.removesuffix(".py") in section for name in MODULES + ("domain/",))


@pytest.mark.parametrize("lower, higher", [("shared", ("services", "cli", "devtools", "bench")),
                                           ("services", ("cli", "devtools", "bench")),
                                           ("cli", ("devtools", "bench")),
                                           ("devtools", ("bench",))])
def test_the_layers_only_import_downwards(lower, higher):
    """shared/ is what every service stands on and services/ never need the tools around them:
    an import upwards (the ratings contract once asked review's rubric) ties the layers in a knot.
    cli/ is the library and commands people use (client, operations, verify, broker, irmctl, irm);
    devtools/ stands on it, as a user would (sample.py drives the system through cli's client), and
    holds the development commands (make dev: devtools/dev.py, make demo: devtools/demo.py), so cli
    never imports devtools, not even lazily inside a command (devtools/__init__.py)."""
    upwards = [f"{path.relative_to(ROOT)}: {module}" for path in sorted((ROOT / lower).rglob("*.py"))
               for module in sorted(imported_modules(ast.parse(path.read_text(), str(path))))
               if module.split(".")[0] in higher]
    assert not upwards, upwards
