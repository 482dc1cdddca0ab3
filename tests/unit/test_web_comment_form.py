"""The public comment form's pure parts: the anti-forgery checks and receipts (services/web/csrf.py),
the form as review's API takes it, and review's refusals as messages next to the fields in the
page's language (services/web/form_posts.py, comment_form.py, views.draft_page). The refusals themselves come
from review's own schema here, so a change to what review says is a change these tests see."""
import pytest
from marshmallow import ValidationError

from services.review.domain.limits import AUTHOR_MAX_CHARACTERS
from services.review.schemas import PublicCommentSchema
from services.web import comment_form, csrf, form_posts, i18n, views
from shared import forwarded
from shared.http import flatten_errors
from shared.irm import LANGUAGES

SECRET = b"k" * 32
OTHER_SECRET = b"z" * 32
ORIGIN = "https://irm.example.org"


# --- forgery --------------------------------------------------------------------------------------
def test_a_token_opens_only_with_its_own_nonce_case_and_key():
    nonce = csrf.new_nonce()
    token = csrf.form_token(SECRET, nonce, "case_1")
    assert csrf.token_matches(SECRET, nonce, token, "case_1")
    assert not csrf.token_matches(SECRET, csrf.new_nonce(), token, "case_1")  # another browser's cookie
    assert not csrf.token_matches(SECRET, nonce, token, "case_2")  # another case's form
    assert not csrf.token_matches(OTHER_SECRET, nonce, token, "case_1")  # made with another key
    assert not csrf.token_matches(SECRET, None, token, "case_1")  # no cookie (another site's post)
    assert not csrf.token_matches(SECRET, nonce, "", "case_1") and not csrf.token_matches(SECRET, nonce, None, "case_1")
    assert not csrf.token_matches(SECRET, nonce, token[:-1] + ("A" if token[-1] != "A" else "B"), "case_1")


def test_only_a_nonce_this_site_could_have_made_is_used():
    assert csrf.usable_nonce(csrf.new_nonce())
    for cookie in (None, "", "short", "x" * 22 + "\n", "a" * 23, "<script>alert(1)</script>a"):
        assert csrf.usable_nonce(cookie) is None, cookie
    assert len({csrf.new_nonce() for _ in range(100)}) == 100


@pytest.mark.parametrize("fetch_site,origin,refused", [
    ("same-origin", None, False), ("none", None, False), (None, None, False),  # absent: the token decides
    ("cross-site", None, True), ("same-site", None, True),  # another port or subdomain is still not this site
    ("SAME-ORIGIN", ORIGIN, False), (None, "null", False),  # Referrer-Policy no-referrer: Origin null
    (None, "https://evil.example", True), ("same-origin", "http://irm.example.org", True), (None, ORIGIN, False),
])
def test_a_post_whose_headers_show_another_site_is_refused(fetch_site, origin, refused):
    assert csrf.cross_site(fetch_site, origin, ORIGIN) is refused


def test_the_public_origin_and_whether_the_cookie_may_be_secure():
    assert csrf.public_origin("https://irm.example.org:443") == "https://irm.example.org"
    assert csrf.public_origin("http://127.0.0.1:8000") == "http://127.0.0.1:8000"
    assert csrf.secure_cookie("https://irm.example.org") and csrf.secure_cookie("http://127.0.0.1:8000")
    assert not csrf.secure_cookie("http://irm.lan:8000")  # a Secure cookie would never come back over http
    cookie = csrf.cookie_header("n" * 22, secure=True)
    assert cookie == "irm_form=nnnnnnnnnnnnnnnnnnnnnn; Path=/; HttpOnly; SameSite=Strict; Secure"


def test_the_form_key_is_configured_long_or_made_at_random():
    assert csrf.secret_from_setting("s" * 32) == b"s" * 32
    assert len(csrf.secret_from_setting("")) == 32 and csrf.secret_from_setting(None) != csrf.secret_from_setting(None)
    with pytest.raises(ValueError, match="at least 32"):
        csrf.secret_from_setting("short-secret")


def test_a_receipt_says_what_was_recorded_only_when_this_site_signed_it_for_this_case():
    published = csrf.receipt(SECRET, "case_1", "pc_abc", confidential=False)
    confidential = csrf.receipt(SECRET, "case_1", "pc_def", confidential=True)
    assert csrf.read_receipt(SECRET, "case_1", published) == {"comment_id": "pc_abc", "confidential": False}
    assert csrf.read_receipt(SECRET, "case_1", confidential) == {"comment_id": "pc_def", "confidential": True}
    assert csrf.read_receipt(SECRET, "case_2", published) is None
    assert csrf.read_receipt(OTHER_SECRET, "case_1", published) is None
    forged = published.replace(".published.", ".confidential.")
    for value in (forged, None, "", "pc_abc", "pc_abc.published", "a.b.c.d", "pc_abc.secret." + published.rsplit(".", 1)[1]):
        assert csrf.read_receipt(SECRET, "case_1", value) is None, value


# --- the form as review's API takes it ------------------------------------------------------------
def test_a_posted_form_becomes_the_apis_body_with_line_breaks_as_review_keeps_them():
    raw = "text=Ligne+1%0D%0ALigne+2%0D&language=fr&commitment=&author=+&confidential=yes&token=t&extra=x&text=second"
    form = form_posts.parse(raw.encode(), comment_form.FIELDS)
    assert form == {"text": "Ligne 1\nLigne 2\n", "language": "fr", "commitment": "", "author": " ", "confidential": "yes",
                    "token": "t"}
    assert comment_form.api_body(form) == {"text": {"fr": "Ligne 1\nLigne 2\n"}, "commitment_id": None, "author": None,
                                           "confidential": True}
    arabic = form_posts.parse("text=%D8%AA%D8%B9%D9%84%D9%8A%D9%82&language=ar&commitment=TN0501&author=Leila".encode(),
                                comment_form.FIELDS)
    assert comment_form.api_body(arabic) == {"text": {"ar": "تعليق"}, "commitment_id": "TN0501", "author": "Leila",
                                             "confidential": False}
    assert form_posts.parse(b"", comment_form.FIELDS)["text"] == ""


def test_a_body_that_is_not_this_form_is_refused():
    with pytest.raises(form_posts.NotAForm):
        form_posts.parse(b"text=%FF%FE", comment_form.FIELDS)  # not UTF-8
    with pytest.raises(form_posts.NotAForm):
        form_posts.parse(("&".join(f"f{i}=x" for i in range(100))).encode(), comment_form.FIELDS)


# --- review's refusals, next to the fields, in the page's language ---------------------------------------
DRAFT = {"case_id": "case_1", "status": "public_comment", "member": {"code": "TN", "names": {"fr": "Tunisie"}},
         "action_plan": {"cycle": "2023-2025", "plan_number": 5},
         "commitments": [{"commitment_id": "TN0501", "number": 1, "title": {"fr": "Budget ouvert"}, "ratings": None}],
         "plan_assessment": None, "public_comment_closes_at": "2026-12-15T07:30:00.000Z", "comments": [],
         "comments_url": "/api/v1/cases/case_1/public-comments", "comments_open": True,
         "comment_max_characters": 100, "author_max_characters": AUTHOR_MAX_CHARACTERS}


def review_refusal(form: dict, max_characters=100) -> dict:
    """What review's own schema says of the body the form becomes (its 422 `fields`)."""
    try:
        PublicCommentSchema(max_characters=max_characters).load(comment_form.api_body(form))
    except ValidationError as exc:
        return flatten_errors(exc.messages)
    return {}


def form(**given):
    return {"text": "Un avis.", "language": "fr", "commitment": "", "author": "", "confidential": "", "token": "t", **given}


def shown(errors: dict, language: str) -> dict:
    """The messages as the page shows them, translated by the page's catalog."""
    catalog = i18n.catalog(language)
    page = views.draft_page(DRAFT, language, "token", errors=errors)
    return {field: catalog.gettext(message["message"]) % message["params"] for field, message in page["errors"].items() if message}


@pytest.mark.parametrize("text", ["", "   \n "])
def test_an_empty_comment_is_refused_by_review_and_shown_at_the_text_field(text):
    sent = form(text=text)
    errors = comment_form.field_errors(review_refusal(sent), sent, DRAFT)
    assert list(errors) == ["text"]
    assert shown(errors, "fr") == {"text": "Rédigez votre commentaire avant de l'envoyer."}
    assert shown(errors, "ar") == {"text": "اكتب تعليقك قبل إرساله."}
    assert shown(errors, "en") == {"text": "Write your comment before sending it."}


def test_an_oversized_comment_names_the_limit_and_its_length_in_the_locale():
    sent = form(text="é" * 1234)
    errors = comment_form.field_errors(review_refusal(sent, max_characters=1000), sent, {**DRAFT, "comment_max_characters": 1000})
    assert list(errors) == ["text"]
    page = views.draft_page({**DRAFT, "comment_max_characters": 1000}, "fr", "token", errors=errors)
    message = page["errors"]["text"]
    assert page["has_errors"] and page["errors"]["author"] is None
    assert i18n.catalog("fr").gettext(message["message"]) % message["params"] == \
        "Votre commentaire est trop long : 1\u202f000 caractères au plus, et il en compte 1\u202f234."
    page = views.draft_page({**DRAFT, "comment_max_characters": 1000}, "en", "token", errors=errors)
    message = page["errors"]["text"]
    assert message["message"] % message["params"] == "Your comment is too long: at most 1,000 characters, and it has 1,234."


def test_other_fields_refusals_go_next_to_their_own_field():
    sent = form(language="de", author="A" * (AUTHOR_MAX_CHARACTERS + 1))
    errors = comment_form.field_errors(review_refusal(sent), sent, DRAFT)
    assert set(errors) == {"language", "author"}
    assert shown(errors, "fr") == {"language": "Choisissez la langue dans laquelle vous avez écrit.",
                                   "author": "Votre nom est trop long : 200 caractères au plus."}
    # The API's own paths for a refused commitment and for a control character (shared/http.py's check)
    sent = form(text="bip\x07")
    errors = comment_form.field_errors({"text.fr": ["Text may not hold control characters"], "commitment_id": ["Unknown"]},
                                       sent, DRAFT)
    assert shown(errors, "en") == {"text": "Your comment holds a character that cannot be kept (U+0007): remove it and send it again.",
                                   "commitment": "Choose one of this draft's commitments, or the draft as a whole."}
    assert comment_form.form_field("text.de.key") == "language" and comment_form.form_field("text..key") == "language"
    assert comment_form.form_field("text.fr.value") == comment_form.form_field("text") == "text"
    assert comment_form.field_errors({"_schema": ["?"]}, form(), DRAFT) == {
        "form": {"message": "The comment was not accepted: check it and send it again.", "params": {}}}


@pytest.mark.parametrize("language,wait", [("en", "2 minutes"), ("fr", "2 minutes"), ("ar", "دقيقتان")])
def test_a_rate_limit_says_how_long_to_wait_in_the_pages_language(language, wait):
    refusal = comment_form.refusal(429, form_posts.retry_after_seconds("118"), DRAFT)
    page = views.draft_page(DRAFT, language, "token", refusal=refusal)
    assert page["refusal"]["params"] == {"wait": wait}
    assert wait in i18n.catalog(language).gettext(page["refusal"]["message"]) % page["refusal"]["params"]
    assert form_posts.retry_after_seconds(None) is None and form_posts.retry_after_seconds("Wed, 21 Oct") is None


def test_a_conflict_says_closed_when_the_draft_read_again_is_closed_and_full_otherwise():
    closed = comment_form.refusal(409, None, {**DRAFT, "comments_open": False})
    full = comment_form.refusal(409, None, DRAFT)
    assert "closed" in closed["message"] and "all the comments" in full["message"]


# --- the draft page's view ------------------------------------------------------------------------
def test_the_draft_page_keeps_what_was_sent_and_shows_only_published_comments():
    comments = [{"comment_id": "pc_1", "commitment_id": None, "text": {"ar": "رأي"}, "author": None, "at": "2026-12-01T07:00:00Z"},
                {"comment_id": "pc_2", "commitment_id": None, "text": {"en": "secret"}, "author": None, "at": "x",
                 "confidential": True}]
    sent = form(text="<b>gras</b>\n", author="Leila", confidential="yes", commitment="TN0501")
    page = views.draft_page({**DRAFT, "comments": comments}, "fr", "tok", form=sent,
                            receipt={"comment_id": "pc_1", "confidential": False})
    assert page["form"] == {"text": "<b>gras</b>\n", "commitment": "TN0501", "author": "Leila", "confidential": "yes",
                            "language": "fr"}
    assert [c["id"] for c in page["comments"]] == ["pc_1"] and page["comments"][0]["text"] == {"text": "رأي", "lang": "ar"}
    assert page["received"] == {"comment_id": "pc_1", "confidential": False, "shown": True}
    assert page["action"] == "/fr/cases/case_1/draft/comments" and page["token"] == "tok"
    assert views.draft_page(DRAFT, "ar", "tok")["form"]["language"] == "ar"  # the page's language unless chosen


def test_the_timeline_links_the_draft_only_when_it_is_public():
    timeline = {"case_id": "case/1", "events": [], "audit_url": "/api/v1/cases/case%2F1/audit"}
    assert views.timeline_page(timeline, None, "fr", draft_is_public=True)["draft_href"] == "/fr/cases/case%2F1/draft"
    assert views.timeline_page(timeline, None, "fr")["draft_href"] is None


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_form_message_is_translated(language):
    """Each message comment_form can give exists in the catalog (test_web_pages checks that none is left empty)."""
    catalog = i18n.catalog(language)
    messages = [text_message["message"] for text_message in (
        comment_form.text_error("", DRAFT), comment_form.text_error("\x01", DRAFT), comment_form.text_error("x", DRAFT),
        comment_form.refusal(429, 1, DRAFT), comment_form.refusal(409, None, DRAFT),
        comment_form.refusal(409, None, {"comments_open": False}))]
    if language != "en":
        assert all(catalog.gettext(message) != message for message in messages)


def test_the_pages_pass_the_commenters_address_on_as_a_proxy_does_and_review_counts_the_commenter():
    """The gateway appended the browser's address; the pages append the gateway's; review, trusting
    both hops (loopback here), counts the browser. A client's own header counts for nothing."""
    chain = forwarded.with_hop(forwarded.with_hop(None, "203.0.113.7"), "127.0.0.1")
    assert chain == "203.0.113.7, 127.0.0.1"
    trusted = forwarded.parse_networks(None)
    assert forwarded.client_address("127.0.0.1", chain, trusted) == "203.0.113.7"
    forged = forwarded.with_hop(forwarded.with_hop("198.51.100.1", "203.0.113.7"), "127.0.0.1")
    assert forwarded.client_address("127.0.0.1", forged, trusted) == "203.0.113.7"
