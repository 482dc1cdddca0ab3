"""The gateway forwards every route of every service to the service that owns it.

The routes come from the service classes' own `@http` entrypoints (no process needed), so a
new endpoint that the gateway's table misses fails here instead of answering 404 at the
front door.
"""
import re

import pytest
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR
from nameko.web.handlers import HttpRequestHandler

from services.accounts.service import AccountsService
from services.gateway.app import route
from services.intake.service import IntakeService
from services.publication.service import PublicationService
from services.review.service import ReviewService
from services.web.service import WebService

# Per process, not forwarded: each service's health (the gateway answers /health itself for
# all) and its metrics (Prometheus scrapes every process, and the gateway serves its own).
PER_PROCESS = {"/health", "/health/live", "/metrics"}


def http_routes():
    for service in (IntakeService, ReviewService, PublicationService, WebService, AccountsService):
        for method_name in dir(service):
            for entrypoint in getattr(getattr(service, method_name), ENTRYPOINT_EXTENSIONS_ATTR, ()):
                if isinstance(entrypoint, HttpRequestHandler) and entrypoint.url not in PER_PROCESS:
                    yield service.name, entrypoint.method, entrypoint.url


def sample_path(url: str) -> str:
    """A concrete path for a werkzeug rule: `<int:size>` -> 7, `<any(ar, fr):x>` -> ar, any other `<...>` -> a word."""
    url = re.sub(r"<any\((\w+)[^)]*\):\w+>", r"\1", url)
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: "7" if m.group(1) == "int" else "x_1", url)


ROUTES = sorted(set(http_routes()))


def test_the_services_have_routes_to_check():
    assert {service for service, _, _ in ROUTES} == {"intake", "review", "publication", "web", "accounts"}
    assert len(ROUTES) > 30


@pytest.mark.parametrize("owner,method,url", ROUTES, ids=[f"{m} {u}" for _, m, u in ROUTES])
def test_the_gateway_forwards_each_route_to_its_owner(owner, method, url):
    assert route(sample_path(url)) == owner, f"{method} {url} belongs to {owner}"
