"""`nameko run services.<name>.service` starts exactly that one service: nameko takes every class with
entrypoints in the module's namespace for a service, so a mixin of entrypoints imported there by
name (web's AccountPages was) stops the process at start, before it answers anything."""
from pathlib import Path

import pytest
from nameko.cli.run import import_service

ROOT = Path(__file__).resolve().parents[2]
SERVICE_MODULES = sorted(path.parent.name for path in (ROOT / "services").glob("*/service.py"))


def test_every_service_folder_is_found():
    assert {"intake", "review", "publication", "web", "accounts", "mail"} <= set(SERVICE_MODULES)


@pytest.mark.parametrize("service", SERVICE_MODULES)
def test_nameko_run_finds_exactly_the_one_service(service):
    found = import_service(f"services.{service}.service")
    assert [cls.name for cls in found] == [service], [cls.__qualname__ for cls in found]
