"""Each service's OpenAPI 3 document, as the service serves it: valid, and listing exactly the
routes the service has (compared with its own @http entrypoints), with their error statuses."""
import re

import pytest
import requests
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR
from nameko.web.handlers import HttpRequestHandler
from openapi_spec_validator import validate as validate_openapi

from services.accounts.service import AccountsService
from services.intake.service import IntakeService
from services.publication.service import PublicationService
from services.review.service import ReviewService
from shared.openapi import document_path

pytestmark = pytest.mark.integration
SERVICES = {"intake": IntakeService, "review": ReviewService, "publication": PublicationService,
            "accounts": AccountsService}


def http_routes(service_cls) -> set:
    """(method, OpenAPI path) of every @http entrypoint under /api/."""
    routes = set()
    for name in dir(service_cls):
        for entrypoint in getattr(getattr(service_cls, name), ENTRYPOINT_EXTENSIONS_ATTR, ()):
            if isinstance(entrypoint, HttpRequestHandler) and entrypoint.url.startswith("/api/"):
                routes.add((entrypoint.method.lower(), re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", entrypoint.url)))
    return routes


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_serves_a_valid_document_of_exactly_its_routes(service, start_service):
    base = start_service(SERVICES[service])
    answer = requests.get(base + document_path(service), timeout=20)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("application/json")
    document = answer.json()
    validate_openapi(document)
    documented = {(method, path) for path, operations in document["paths"].items() for method in operations}
    assert documented == http_routes(SERVICES[service])
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert any(status.startswith("2") for status in responses), (method, path)
            # Every error is the JSON error format.
            for status, response in responses.items():
                if status[0] in "45":
                    assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
            if operation["security"]:
                assert {"401", "403"} <= set(responses), (method, path)
            if "{" in path:
                assert "404" in responses, (method, path)
            if "requestBody" in operation:
                assert {"413", "415", "422"} <= set(responses), (method, path)
    if service == "intake":
        examples = document["paths"]["/api/v1/self-assessments"]["post"]["requestBody"]["content"]["application/json"]["examples"]
        assert set(examples) == {"ar", "fr", "en"}


def test_the_documents_carry_the_bounds_the_services_enforce():
    from services.publication import openapi as publication
    from services.review import openapi as review

    findings = {p["name"]: p for p in publication.document()["paths"]["/api/v1/findings"]["get"]["parameters"]}
    assert findings["limit"]["schema"] == {"type": "integer", "default": 20, "minimum": 1, "maximum": 100}
    assert findings["cursor"]["schema"]["maxLength"] == 200 and "nullable" not in findings["member"]["schema"]
    consistency = {p["name"] for p in publication.document()["paths"]["/api/v1/log/proofs/consistency"]["get"]["parameters"]}
    assert consistency == {"from", "to"}
    size = publication.document()["paths"]["/api/v1/log/checkpoints/{size}"]["get"]["parameters"][0]
    assert size["schema"] == {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}
    expert = review.document()["components"]["schemas"]["Expert"]
    assert expert["properties"]["capacity"]["maximum"] == 1000 and expert["additionalProperties"] is False
    text = review.document()["components"]["schemas"]["Text"]["properties"]["text"]
    assert set(text["properties"]) == {"ar", "fr", "en"} and text["minProperties"] == 1
    atom = publication.document()["paths"]["/api/v1/feeds/findings.atom"]["get"]["responses"]["200"]["content"]
    assert set(atom) == {"application/atom+xml"}
