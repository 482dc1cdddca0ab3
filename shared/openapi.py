"""OpenAPI 3 documents, built once for every service from the marshmallow schemas that
validate its requests (so a document cannot drift from what the service accepts).

A service's `openapi.py` describes its routes with `ApiDocument.operation`; the gateway
serves the services' documents merged into one (`merge`). The JSON error format, the
bearer scheme, path and query parameters and their bounds are written here once.
"""
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields

from shared.contracts.fields import LocalizedText
from shared.irm import LANGUAGES
from shared.sessions import COOKIE_NAME as SESSION_COOKIE

OPENAPI_VERSION = "3.0.3"
# What a path or query integer can be: the database stores 64-bit signed integers.
MAX_INTEGER = 2**63 - 1
MERGED_PATH = "/api/v1/openapi.json"


# The services with an API, each describing its own routes (the web pages have none).
API_SERVICES = ("intake", "review", "publication", "accounts")


def document_path(service: str) -> str:
    """Where a service serves its own document (and the gateway routes it)."""
    return f"/api/v1/openapi/{service}.json"


class ErrorBody(Schema):
    code = fields.String(required=True, metadata={"example": "validation_failed"})
    message = fields.String(required=True)
    fields_ = fields.Dict(data_key="fields", keys=fields.String(), values=fields.List(fields.String()),
                          metadata={"description": "Field path (e.g. commitments[3].evidence[0].url) to messages."})
    details = fields.Raw(metadata={"description": "What else the error knows (e.g. the missing ratings)."})


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBody, required=True)


ERROR_STATUSES = {
    "400": "The body is not JSON, or the request is malformed",
    "401": "No or unknown bearer token or session (or a token where none may be sent)",
    "403": "Not allowed for this token's role or member (or, by session cookie, a change without its CSRF token or from another site)",
    "404": "Not found (or not visible to this token)",
    "409": "Not allowed in the case's current state, or a stale version",
    "410": "The link no longer works (never existed, used, or expired: one answer for all three)",
    "413": "The body is too large",
    "415": "Wrong content type",
    "422": "Field-level validation errors",
    "428": "If-Match is required",
    "429": "Too many requests from this client or to this case: retry after the Retry-After header's seconds",
}

# Schemas for bodies that are not JSON.
TEXT = {"text/plain": {"schema": {"type": "string"}}}


def _localized_text(converter, field, **kwargs) -> dict:
    """LocalizedText as what it accepts: an object keyed by ar/fr/en, at least one language."""
    if not isinstance(field, LocalizedText):
        return {}
    value = converter.field2property(field.value_field)
    return {"type": "object", "properties": {lang: dict(value) for lang in LANGUAGES},
            "additionalProperties": False, "minProperties": 1}


class ApiDocument:
    """One service's OpenAPI 3 document."""

    def __init__(self, service: str, description: str, version: str = "1.0.0"):
        self.service = service
        plugin = MarshmallowPlugin()
        self.spec = APISpec(title=f"irm-review {service}", version=version, openapi_version=OPENAPI_VERSION,
                            plugins=[plugin], info={"description": description}, servers=[{"url": "/"}])
        plugin.converter.add_attribute_function(_localized_text)
        self.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
        # A signed-in browser (shared/session_auth.py): a change also needs the X-CSRF-Token header.
        self.spec.components.security_scheme("session", {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE})
        self.spec.components.schema("Error", schema=ErrorSchema)
        self.spec.tag({"name": service})
        self.operation("get", document_path(service), summary=f"This document: the {service} API as OpenAPI 3",
                       responses={"200": ("OpenAPI 3", {"application/json": {"schema": {"type": "object"}}})})

    def schema(self, name: str, schema) -> str:
        """Register a component schema; its name is what operations refer to. A schema nested in
        one registered before is there already, under the same name (the class name less "Schema")."""
        if name not in self.spec.components.schemas:
            self.spec.components.schema(name, schema=schema)
        return name

    def operation(self, method: str, path: str, *, summary: str, roles=None, path_params=None, query=None,
                  headers=(), body=None, responses, errors=(), description=None, session_only=False):
        """One route. `roles` None means public (no token); `path_params` maps each `{name}` to its
        JSON schema (a string by default); `query` is a marshmallow schema; `body` a schema (JSON)
        (`session_only`: by the session cookie, never a bearer token; shared/access.py: SESSION_ONLY)
        or {media type: {"schema": ...}}; `responses` maps a status to (description, schema or
        {media type: {...}} or None); `errors` are the error statuses the route documents."""
        operation = {"summary": summary, "tags": [self.service], "operationId": _operation_id(method, path)}
        if description:
            operation["description"] = description
        if roles is not None:
            operation["security"] = [{"session": []}] if session_only else [{"bearer": []}, {"session": []}]
            operation["description"] = (description + "\n\n" if description else "") + "Roles: " + ", ".join(roles) + "."
        else:
            operation["security"] = []
        parameters = [{"in": "path", "name": name, "required": True,
                       "schema": (path_params or {}).get(name, {"type": "string", "minLength": 1})}
                      for name in re.findall(r"{(\w+)}", path)]
        if query is not None:
            parameters.append({"in": "query", "schema": query})
        parameters.extend(headers)
        if parameters:
            operation["parameters"] = parameters
        if body is not None:
            content = body if isinstance(body, dict) else {"application/json": {"schema": _ref(body)}}
            operation["requestBody"] = {"required": True, "content": content}
        operation["responses"] = {status: _response(description_, content) for status, (description_, content) in responses.items()}
        # What follows from the route's shape: a token can be refused, a body or query be invalid,
        # a path name something that does not exist.
        statuses = (set(errors) | ({"401", "403"} if roles else set()) | ({"400", "413", "415", "422"} if body else set())
                    | ({"422"} if query is not None else set()) | ({"404"} if "{" in path else set()))
        for status in sorted(statuses):
            operation["responses"].setdefault(status, {"description": ERROR_STATUSES[status],
                                                       "content": {"application/json": {"schema": _ref("Error")}}})
        self.spec.path(path=path, operations={method.lower(): operation})

    def to_dict(self) -> dict:
        document = self.spec.to_dict()
        for operations in document["paths"].values():
            for operation in operations.values():
                for parameter in operation.get("parameters", ()):
                    if parameter["in"] == "query":
                        _not_null(parameter["schema"])
        _ecma_patterns(document)
        return document


def _ecma_patterns(node) -> None:
    """OpenAPI patterns are ECMA-262 regular expressions, which have no `\\Z`. Our patterns end
    in `\\Z` because Python's `$` also matches before a final newline; in ECMA-262 (no
    multiline flag) `$` means the end of the input only, so it is the exact translation."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str) and value.endswith("\\Z"):
                node[key] = value[:-2] + "$"
            else:
                _ecma_patterns(value)
    elif isinstance(node, list):
        for item in node:
            _ecma_patterns(item)


def _not_null(schema: dict) -> None:
    """A query parameter is absent or a value, never JSON null (which marshmallow's
    `load_default=None` makes apispec write)."""
    schema.pop("nullable", None)
    if "default" in schema and schema["default"] is None:
        del schema["default"]
    if "enum" in schema:
        schema["enum"] = [value for value in schema["enum"] if value is not None]


def _ref(schema):
    """A component's name as a reference. (Given as a bare string, apispec's marshmallow plugin
    would first look the name up in marshmallow's class registry, and a schema class of that
    name elsewhere, e.g. an event's, would win.)"""
    return {"$ref": f"#/components/schemas/{schema}"} if isinstance(schema, str) else schema


def _response(description, content) -> dict:
    if content is None:
        return {"description": description}
    if isinstance(content, dict) and content and all("/" in key for key in content):
        for media in content.values():
            if "schema" in media:
                media["schema"] = _ref(media["schema"])
        return {"description": description, "content": content}
    return {"description": description, "content": {"application/json": {"schema": _ref(content)}}}


def _operation_id(method: str, path: str) -> str:
    words = re.sub(r"[{}]", "", path.removeprefix("/api/v1/")).replace(".", "-")
    return method.lower() + "_" + re.sub(r"[^a-zA-Z0-9]+", "_", words).strip("_")


def integer(minimum=0, maximum=MAX_INTEGER) -> dict:
    """A path integer with the bounds the service holds."""
    return {"type": "integer", "minimum": minimum, "maximum": maximum}


def json_schema_of(document: dict, name: str) -> dict:
    return document["components"]["schemas"][name]


def merge(documents, title="irm-review", description="Every irm-review service's API, under one base URL.") -> dict:
    """The services' documents as one: their paths and components side by side. Two services
    may share a component only if they define it identically, and never a path and method."""
    merged = {"openapi": OPENAPI_VERSION, "info": {"title": title, "version": "1.0.0", "description": description},
              "servers": [{"url": "/"}], "paths": {}, "components": {}, "tags": []}
    for document in documents:
        merged["tags"].extend(tag for tag in document.get("tags", []) if tag not in merged["tags"])
        for path, operations in document.get("paths", {}).items():
            target = merged["paths"].setdefault(path, {})
            for method, operation in operations.items():
                if method in target and target[method] != operation:
                    raise ValueError(f"{method.upper()} {path} is described by two services")
                target[method] = operation
        for kind, components in document.get("components", {}).items():
            target = merged["components"].setdefault(kind, {})
            for name, component in components.items():
                if name in target and target[name] != component:
                    raise ValueError(f"Two services define the component {kind}/{name} differently")
                target[name] = component
    merged["paths"][MERGED_PATH] = {"get": {
        "summary": "Every service's API as one OpenAPI 3 document", "tags": ["gateway"], "operationId": "get_openapi",
        "security": [], "responses": {"200": {"description": "OpenAPI 3",
                                              "content": {"application/json": {"schema": {"type": "object"}}}}}}}
    return merged
