"""The edge's pure rules (shared/edge.py) and the JSON reader (shared/http.py)."""
import pytest

from shared import edge
from shared.http import BadRequest, PayloadTooLarge, Unprocessable, parse_json_body


def test_each_route_has_its_body_limit():
    upload = edge.upload_body_max_bytes(5_000_000)
    assert upload == 5_000_000 + edge.MULTIPART_OVERHEAD_BYTES
    assert edge.body_max_bytes("POST", "/api/v1/evidence", 5_000_000) == upload
    assert edge.body_max_bytes("POST", "/api/v1/action-plans/TN/5/commitments", 5_000_000) == upload
    # the self-assessment form's evidence upload (services/web), sent on to /api/v1/evidence
    assert edge.body_max_bytes("POST", "/ar/government/plans/5/self-assessment/evidence/TN0501", 5_000_000) == upload
    for method, path in (("POST", "/ar/government/plans/5/self-assessment"),
                         ("POST", "/ar/government/plans/5/self-assessment/evidence/TN0501/x"),
                         ("GET", "/fr/government/plans/5/self-assessment/evidence/TN0501"),("POST", "/api/v1/self-assessments"), ("GET", "/api/v1/evidence"),
                         ("POST", "/api/v1/evidence/x/y"), ("PUT", "/api/v1/cases/c/ratings/TN01"),
                         ("POST", "/api/v1/action-plans/TN/5/commitments/extra")):
        assert edge.body_max_bytes(method, path, 5_000_000) == edge.JSON_BODY_MAX_BYTES, path


@pytest.mark.parametrize("text, found", [
    ("plain\ttab\nnewline", None), ("عربي", None), ("nul\x00", "U+0000"), ("cr\r", "U+000D"),
    ("esc\x1b", "U+001B"), ("del\x7f", "U+007F"), ("c1\x85", "U+0085"), ("lone\ud800", "U+D800"),
])
def test_control_characters_other_than_tab_and_newline_are_found(text, found):
    assert edge.forbidden_character(text) == found


@pytest.mark.parametrize("value, expected", [
    (None, "http://127.0.0.1:8000"), ("https://irm.example.org/", "https://irm.example.org"),
    ("http://10.0.0.5:8080", "http://10.0.0.5:8080"),
])
def test_the_public_base_url_is_scheme_host_and_port(value, expected):
    assert edge.public_base_url(value) == expected


@pytest.mark.parametrize("value", ["irm.example.org", "ftp://x.org", "https://x.org/api", "https://x.org?a=1",
                                   "https://u:p@x.org", "https://", "https://x.org:port", "https://x.org#f"])
def test_a_malformed_public_base_url_is_refused(value):
    with pytest.raises(edge.BadPublicBaseUrl, match="PUBLIC_BASE_URL"):
        edge.public_base_url(value)


def test_hsts_only_over_tls_and_the_headers_replace_any_upstream_copy():
    assert "Strict-Transport-Security" not in edge.security_headers("http://127.0.0.1:8000")
    assert edge.security_headers("https://irm.example.org")["Strict-Transport-Security"] == "max-age=31536000"
    merged = edge.with_security_headers([("Content-Type", "text/csv"), ("x-content-type-options", "sniff")],
                                        "http://127.0.0.1:8000")
    assert [v for k, v in merged if k.lower() == "x-content-type-options"] == ["nosniff"]
    assert ("Content-Type", "text/csv") in merged


def test_the_json_reader_refuses_what_cannot_be_stored_with_field_paths():
    body = ('{"commitments": [{"title": {"fr": "a\\u0000b", "en": "ok"}, "n": 99999999999999999999},'
            ' {"n": 9223372036854775808, "x": 1e400}], "ok\\u001bkey": "v", "fine": -9223372036854775808}').encode()
    with pytest.raises(Unprocessable) as refused:
        parse_json_body(body)
    assert set(refused.value.details) == {"commitments[0].title.fr", "commitments[0].n", "commitments[1].n",
                                          "commitments[1].x", "ok\x1bkey"}


def test_the_json_reader_accepts_a_clean_body_unchanged():
    assert parse_json_body('{"a": [1, -2.5, true, null, "x\\ty\\n"], "b": {"c": "عربي"}}'.encode()) == {
        "a": [1, -2.5, True, None, "x\ty\n"], "b": {"c": "عربي"}}


@pytest.mark.parametrize("raw", [b"[" * 5000 + b"]" * 5000, b"[" * 40 + b"]" * 40, b"NaN", b'{"a": Infinity}',
                                 b"\xff\xfe", b"{"])
def test_the_json_reader_refuses_bodies_that_are_not_plain_json(raw):
    with pytest.raises(BadRequest):
        parse_json_body(raw)


def test_the_json_reader_refuses_a_body_over_the_limit():
    with pytest.raises(PayloadTooLarge):
        parse_json_body(b" " * (edge.JSON_BODY_MAX_BYTES + 1))


def test_a_page_form_refused_for_its_size_is_sent_to_the_refusal_page_in_its_own_language():
    from urllib.parse import parse_qs, urlsplit
    from services.web import form_posts

    upload = "/fr/government/plans/7/self-assessment/evidence/TN0501"
    location = urlsplit(edge.refused_page_location(upload))
    query = {key: values[0] for key, values in parse_qs(location.query).items()}
    assert location.path == "/fr/refused" and query == {"reason": "file_too_large", "from": upload}
    assert form_posts.gateway_refusal(query["reason"], query["from"]) == {
        "reason": "file_too_large", "back_href": "/fr/government/plans/7/self-assessment"}
    assert form_posts.gateway_refusal("file_too_large", "/ar/government/import") == {
        "reason": "file_too_large", "back_href": "/ar/government/import", "back_to": "import"}
    assert edge.body_max_bytes("POST", "/ar/government/import", 10) == edge.upload_body_max_bytes(10)
    assert edge.refused_page_location("/cases/x").startswith("/en/refused?reason=too_large&")  # no language: English
    # What the query says is only ever one of the two reasons, and the way back only one of our forms.
    assert form_posts.gateway_refusal("<script>", "https://elsewhere.example/x") == {"reason": "too_large"}
    assert form_posts.gateway_refusal(None, "//elsewhere.example/fr/government/plans/7/self-assessment/evidence/x") == {
        "reason": "too_large"}
