"""The HTTP edge every service shares: JSON bodies, errors a person can act on.

`api_endpoint` wraps a nameko @http method: it binds a correlation id to the logs,
turns the errors below into JSON answers with the right status, and turns anything
unexpected into a 500 that names a log line instead of leaking a traceback.

`read_json` is the one JSON reader: every body is size-limited, parsed without recursion
blow-ups, NaN/Infinity or integers MongoDB cannot hold, and every string in it (keys too) is
checked for control characters before any schema sees it. Checking here, on the parsed body,
rather than in a field type, means no schema can forget it: a new text field is covered the
day it is added, and the error names the path as sent (`commitments[0].title.fr`).
"""
import functools
import json
import math
import time

import structlog
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from shared import edge
from shared.auth import Forbidden, Unauthorized
from shared.ids import new_id
from shared.logging import bind_correlation

MAX_JSON_BODY = edge.JSON_BODY_MAX_BYTES
# Deeper than any schema here (a self-assessment is 5 levels): anything deeper is not ours.
MAX_JSON_DEPTH = 32
CORRELATION_HEADER = "X-Correlation-ID"
log = structlog.get_logger("irm.http")


class ApiError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message, details=None):
        super().__init__(message)
        self.message = message
        self.details = details


class BadRequest(ApiError):
    status, code = 400, "bad_request"


class NotFound(ApiError):
    status, code = 404, "not_found"


class Conflict(ApiError):
    status, code = 409, "conflict"


class PreconditionRequired(ApiError):
    status, code = 428, "precondition_required"


class PayloadTooLarge(ApiError):
    status, code = 413, "payload_too_large"


class UnsupportedMediaType(ApiError):
    status, code = 415, "unsupported_media_type"


class Unprocessable(ApiError):
    status, code = 422, "validation_failed"


class LogIncomplete(ApiError):
    """The transparency log cannot answer: nodes it stored are gone (altered, or lost with a restore). Not the
    client's fault, and not a passing failure either: verifiers report the entry unproven (cli/verify.py)."""

    status, code = 500, "log_incomplete"


class TooManyRequests(ApiError):
    """A rate limit refused the request: 429 with Retry-After (whole seconds), in the JSON error format."""

    status, code = 429, "too_many_requests"

    def __init__(self, message, retry_after: int):
        super().__init__(message, {"retry_after_seconds": retry_after})
        self.retry_after = retry_after

    def response(self, correlation_id=None) -> Response:
        answer = error_response(self.status, self.code, self.message, self.details, correlation_id)
        answer.headers["Retry-After"] = str(self.retry_after)
        return answer


def flatten_errors(messages, prefix="") -> dict:
    """marshmallow's nested messages as {"commitments[3].evidence[0].url": [...]}."""
    flat = {}
    if isinstance(messages, list):
        flat[prefix or "_schema"] = [str(m) for m in messages]
        return flat
    for key, value in messages.items():
        if isinstance(key, int):
            path = f"{prefix}[{key}]"
        elif key == "_schema":
            path = prefix or "_schema"
        else:
            path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            for sub_path, sub_messages in flatten_errors(value, path).items():
                flat.setdefault(sub_path, []).extend(sub_messages)
        else:
            flat.setdefault(path, []).extend(str(m) for m in (value if isinstance(value, list) else [value]))
    return flat


def json_response(payload, status=200, headers=None) -> Response:
    body = json.dumps(payload, ensure_ascii=False, indent=None, separators=(",", ":"))
    return Response(body, status=status, headers=headers, mimetype="application/json")


def error_response(status, code, message, details=None, correlation_id=None) -> Response:
    error = {"code": code, "message": message}
    if details is not None:
        error["fields" if code == "validation_failed" else "details"] = details
    headers = {CORRELATION_HEADER: correlation_id} if correlation_id else {}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="irm-review"'
    return json_response({"error": error}, status=status, headers=headers)


class _Unstorable:
    """Stands in, while parsing, for a number that no field can hold (checked in the walk)."""

    def __init__(self, literal):
        self.literal = literal


class _NotJson(ValueError):
    pass


def _parse_int(literal):
    # Beyond 19 digits it cannot be an int64, and int() of a long literal costs quadratic time
    # (Python refuses past 4,300 digits with a ValueError): never convert it.
    return _Unstorable(literal) if len(literal.lstrip("-")) > 19 else int(literal)


def _parse_float(literal):
    value = float(literal)
    return value if math.isfinite(value) else _Unstorable(literal)


def _refuse_constant(name):
    raise _NotJson(f"{name} is not JSON.")


def parse_json_body(raw: bytes):
    """`raw` as JSON within the limits, or BadRequest / Unprocessable naming what is wrong."""
    if len(raw) > MAX_JSON_BODY:
        raise PayloadTooLarge(f"The body is larger than {MAX_JSON_BODY} bytes.")
    try:
        data = json.loads(raw.decode("utf-8"), parse_int=_parse_int, parse_float=_parse_float,
                          parse_constant=_refuse_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, _NotJson) as exc:
        raise BadRequest(f"The body is not valid UTF-8 JSON: {exc}") from None
    except RecursionError:
        raise BadRequest(f"The body is nested deeper than {MAX_JSON_DEPTH} levels.") from None
    problems = json_problems(data)
    if problems is not None:
        raise problems
    return data


def json_problems(data):
    """The first structural error (too deep) or every field error (control characters,
    unstorable numbers) of a parsed body, as the ApiError to raise; None if it is clean."""
    fields = {}
    stack = [(data, "", 1)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return BadRequest(f"The body is nested deeper than {MAX_JSON_DEPTH} levels.")
        if isinstance(value, dict):
            for key, item in value.items():
                item_path = f"{path}.{key}" if path else key
                bad = edge.forbidden_character(key)
                if bad:
                    fields.setdefault(item_path, []).append(f"The name holds the control character {bad}.")
                stack.append((item, item_path, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{index}]", depth + 1) for index, item in enumerate(value))
        elif isinstance(value, str):
            bad = edge.forbidden_character(value)
            if bad:
                fields.setdefault(path or "_schema", []).append(
                    f"Text may not hold control characters other than tab and newline (found {bad}).")
        elif isinstance(value, _Unstorable):
            fields.setdefault(path or "_schema", []).append(
                f"Numbers must be finite and integers between {edge.INT64_MIN} and {edge.INT64_MAX}.")
        elif isinstance(value, int) and not isinstance(value, bool) and not edge.INT64_MIN <= value <= edge.INT64_MAX:
            fields.setdefault(path or "_schema", []).append(
                f"Integers must be between {edge.INT64_MIN} and {edge.INT64_MAX}.")
    if fields:
        return Unprocessable("The body has invalid fields.", dict(sorted(fields.items())))
    return None


def read_json(request, schema):
    """The request body, parsed and validated by `schema`, or the matching ApiError."""
    if request.content_length and request.content_length > MAX_JSON_BODY:
        raise PayloadTooLarge(f"The body is larger than {MAX_JSON_BODY} bytes.")
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("Send the body as application/json.")
    # Read at most one byte past the limit, whatever the body claims to be.
    data = parse_json_body(request.stream.read(MAX_JSON_BODY + 1))
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise Unprocessable("The body has invalid fields.", flatten_errors(exc.messages)) from None


def read_query(request, schema):
    try:
        return schema.load(request.args.to_dict())
    except ValidationError as exc:
        raise Unprocessable("The query has invalid parameters.", flatten_errors(exc.messages)) from None


def if_match_version(request) -> int:
    """The version an edit was made against, from `If-Match: "<version>"` (an ETag a service gave):
    428 without it, so a stale draft never overwrites a newer one."""
    header = (request.headers.get("If-Match") or "").strip().strip('"').removeprefix("W/").strip('"')
    if not header:
        raise PreconditionRequired("Send If-Match with the version you edited (the case's ETag): a stale draft "
                                   "must never overwrite a newer one.")
    if not header.isdigit():
        raise Unprocessable("If-Match must be a case version, as the ETag gave it.", {"If-Match": ["Not a version number."]})
    return int(header)


def api_endpoint(method):
    @functools.wraps(method)
    def wrapper(self, request, *args, **kwargs):
        correlation_id = (request.headers.get(CORRELATION_HEADER) or "").strip()[:128] or new_id("corr")
        bind_correlation(correlation_id, service=self.name)
        request.correlation_id = correlation_id
        started = time.perf_counter()
        try:
            response = method(self, request, *args, **kwargs)
        except ApiError as exc:
            response = error_response(exc.status, exc.code, exc.message, exc.details, correlation_id)
            reason = exc.message
        except (Unauthorized, Forbidden) as exc:
            status, code = (401, "unauthorized") if isinstance(exc, Unauthorized) else (403, "forbidden")
            response = error_response(status, code, str(exc), correlation_id=correlation_id)
            reason = str(exc)
        except Exception:
            error_id = new_id("err")
            log.exception("request_failed", method=request.method, path=request.path, error_id=error_id)
            response = error_response(500, "internal_error", f"Something failed on our side; quote {error_id} when reporting it.",
                                      correlation_id=correlation_id)
            reason = error_id
        else:
            reason = None
        response.headers.setdefault(CORRELATION_HEADER, correlation_id)
        # One line per request, with the correlation id (nameko's own access log has none).
        log.info("request_handled", method=request.method, path=request.path, status=response.status_code,
                 duration_ms=round((time.perf_counter() - started) * 1000, 1), **({"reason": reason} if reason else {}))
        return response

    return wrapper
