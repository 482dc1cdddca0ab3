"""Evidence files on the self-assessment form in Chromium, end to end: the pages, intake and accounts behind
the gateway (tests/browser/test_government_pages.py's site), on the real broker and database.

With the script (static/evidence-upload.js), in Arabic: a small real PDF uploaded with its progress said
to 100 %, listed under its commitment, held by intake with its SHA-256 and kept in the draft; a file of
the wrong type refused before it is sent, one whose content is not what its name says refused by intake
after, each next to the field in Arabic. Without it: the plain multipart post, listed after the redirect,
intake's refusal next to the field, the file submitted by id. A declared body over the limit: the 413
page in Arabic before a byte is read. A listed file is removed from the draft with its Remove button: with the
script without leaving the page (what is typed stays), without it by the plain post; a second removal of the same
file is a 404, and intake keeps the file itself. axe-core finds nothing on the form with its upload parts in ar, fr, en.
"""
import hashlib
import http.client
from urllib.parse import urlsplit

import mongoengine
import pytest

from services.intake import documents as intake_documents
from services.web import government_forms
from shared import edge
from shared.irm import LANGUAGES
from tests.browser.conftest import axe_violations, message, press_and_follow, text_of, watch
# the government pages' site (its fixtures, by name) and how a point of contact gets in
from tests.browser.test_government_pages import (  # noqa: F401 -- fixtures
    FORM, PLAN, intake_url, poc_account, sign_in, site, web_config,
)

pytestmark = pytest.mark.browser
UPLOAD = f"{FORM}/evidence/TN0501"


def minimal_pdf(text: str = "IRM evidence") -> bytes:
    """A one-page PDF 1.4 with a correct cross-reference table (what a viewer opens)."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def stored_evidence(sha256: str):
    return mongoengine.connection.get_db()["evidence.files"].find_one({"metadata.sha256": sha256})


def draft_files(commitment_id="TN0501"):
    draft = intake_documents.SelfAssessmentDraft.objects(member_code="TN", plan_number=PLAN).first()
    if draft is None:
        return []
    return next((c.get("evidence_files") or [] for c in draft.body["commitments"] if c["commitment_id"] == commitment_id), [])


def signed_in_form(site, context_factory, email, language="ar", **options):
    page = context_factory(language, **options)
    seen = watch(page)
    poc_account(site, page, email, language)
    page.goto(f"{site}/{language}/sign-in?next=/{language}{FORM}")
    sign_in(page, email)
    assert page.url == f"{site}/{language}{FORM}"
    return page, seen


def wait_for_state(page, block, states=("done", "refused"), timeout=15):
    for _ in range(int(timeout / 0.05)):
        page.wait_for_timeout(50)
        if page.locator(block).get_attribute("data-state") in states:
            return page.locator(block).get_attribute("data-state")
    raise AssertionError(f"{block} never reached {states}")


def test_with_the_script_a_pdf_is_uploaded_in_arabic_with_its_progress_and_a_wrong_type_is_refused(site, context_factory, artifacts):
    intake_documents.SelfAssessmentDraft.objects(member_code="TN").delete()
    page, seen = signed_in_form(site, context_factory, "poc-upload-js@example.org")
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    assert page.locator("#files-TN0501 .no-script-note").count() == 0  # the script took over
    pdf = minimal_pdf("budget 2024")
    name = "تقرير-الميزانية.pdf"
    # what the live region says, every time it changes
    page.evaluate("""() => { window.said = []; const status = document.getElementById('upload-status-TN0501');
        new MutationObserver(() => window.said.push(status.textContent)).observe(status, {childList: true, characterData: true, subtree: true}); }""")
    page.set_input_files("#file-TN0501", files=[{"name": name, "mimeType": "application/pdf", "buffer": pdf}])
    page.locator("#upload-button-TN0501").click(no_wait_after=True)
    assert wait_for_state(page, "#files-TN0501") == "done"
    said = page.evaluate("() => window.said")
    assert message("ar", "Uploaded %(percent)s%%", percent=100) in said, said
    assert said[-1] == message("ar", "Uploaded: %(name)s", name=name)
    assert page.locator("#progress-TN0501").evaluate("p => p.value") == 100
    assert page.locator("#upload-progress-TN0501 label").inner_text() == message("ar", "Upload of the file")
    listed = text_of(page, "#files-list-TN0501 li")
    assert len(pdf) < 1000 and name in listed and "PDF" in listed, listed
    assert message("ar", "%(size)s bytes", size=str(len(pdf))) in listed, listed
    assert page.locator("#files-list-TN0501 li").count() == 1 and page.locator("#files-list-TN0502 li").count() == 0
    # intake holds it, with its SHA-256, for the member; the draft lists it under its commitment
    sha256 = hashlib.sha256(pdf).hexdigest()
    kept = stored_evidence(sha256)
    assert kept is not None and kept["metadata"]["member_code"] == "TN" and kept["length"] == len(pdf) and kept["filename"] == name
    assert [f["file_id"] for f in draft_files()] == [str(kept["_id"])]
    page.screenshot(path=artifacts / "evidence-uploaded-ar.png", full_page=True)

    # A file of a type no evidence is: refused before it is sent, next to the field, in Arabic.
    before = len(posts)
    page.set_input_files("#file-TN0501", files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"just notes"}])
    page.locator("#upload-button-TN0501").click(no_wait_after=True)
    page.wait_for_timeout(300)
    refused = message("ar", government_forms.UPLOAD_MESSAGES["type"])
    assert refused != government_forms.UPLOAD_MESSAGES["type"]
    assert text_of(page, "#sa-file-TN0501-error") == refused and len(posts) == before
    assert page.locator("#file-TN0501").get_attribute("aria-invalid") == "true"
    assert "sa-file-TN0501-error" in page.locator("#file-TN0501").get_attribute("aria-describedby")
    # Too large for the page's limit: refused before sending too (the limit lowered here, the check is the script's).
    page.evaluate("() => { document.getElementById('files-TN0502').dataset.maxBytes = '100'; }")
    page.set_input_files("#file-TN0502", files=[{"name": "big.pdf", "mimeType": "application/pdf", "buffer": pdf}])
    page.locator("#upload-button-TN0502").click(no_wait_after=True)
    page.wait_for_timeout(300)
    assert text_of(page, "#sa-file-TN0502-error") == message("ar", government_forms.UPLOAD_MESSAGES["too_large"], megabytes="20")
    assert len(posts) == before
    # Named .pdf but not one: sent, and intake's refusal comes back next to the field, in Arabic.
    page.set_input_files("#file-TN0501", files=[{"name": "fake.pdf", "mimeType": "application/pdf", "buffer": b"not a pdf at all"}])
    assert page.locator("#sa-file-TN0501-error").count() == 0  # a new choice clears the old refusal
    page.locator("#upload-button-TN0501").click(no_wait_after=True)
    assert wait_for_state(page, "#files-TN0501", ("refused",)) == "refused"
    assert text_of(page, "#sa-file-TN0501-error") == refused and len(posts) == before + 1
    assert page.locator("#files-list-TN0501 li").count() == 1 and len(draft_files()) == 1
    page.screenshot(path=artifacts / "evidence-refused-ar.png", full_page=True)
    assert axe_violations(page) == []

    # The page opened again lists the file as the server renders it.
    page.goto(f"{site}/ar{FORM}")
    assert name in text_of(page, "#files-list-TN0501 li")
    assert seen["csp"] == [] and seen["foreign"] == []


def test_without_the_script_the_plain_form_uploads_lists_refuses_and_submits_the_file(site, context_factory, artifacts):
    intake_documents.SelfAssessmentDraft.objects(member_code="TN").delete()
    page, seen = signed_in_form(site, context_factory, "poc-upload-plain@example.org", java_script_enabled=False)
    assert page.locator("#files-TN0501 .no-script-note").is_visible()
    pdf = minimal_pdf("procurement")
    page.set_input_files("#file-TN0502", files=[{"name": "contrats.pdf", "mimeType": "application/pdf", "buffer": pdf}])
    answer = press_and_follow(page, page.locator("#upload-button-TN0502"))
    assert answer.status == 303 and page.url == f"{site}/ar{FORM}?uploaded=TN0502#files-TN0502"
    assert text_of(page, "#upload-status-TN0502") == message("ar", "Uploaded: %(name)s", name="contrats.pdf")
    listed = text_of(page, "#files-list-TN0502 li")
    assert "contrats.pdf" in listed and "PDF" in listed
    kept = stored_evidence(hashlib.sha256(pdf).hexdigest())
    assert kept is not None and [f["file_id"] for f in draft_files("TN0502")] == [str(kept["_id"])]

    # intake refuses a PNG that is none: the form again, the refusal next to the field, in Arabic
    page.set_input_files("#file-TN0501", files=[{"name": "photo.png", "mimeType": "image/png", "buffer": b"plain text"}])
    answer = press_and_follow(page, page.locator("#upload-button-TN0501"))
    assert answer.status == 422
    assert text_of(page, "#sa-file-TN0501-error") == message("ar", government_forms.UPLOAD_MESSAGES["type"])
    assert page.locator("#file-TN0501").get_attribute("aria-invalid") == "true"
    assert "contrats.pdf" in text_of(page, "#files-list-TN0502 li")  # what was uploaded stays listed
    page.screenshot(path=artifacts / "evidence-refused-plain-ar.png", full_page=True)

    # No file chosen: said next to the field, nothing sent
    answer = press_and_follow(page, page.locator("#upload-button-TN0501"))
    assert answer.status == 422 and text_of(page, "#sa-file-TN0501-error") == message("ar", government_forms.UPLOAD_MESSAGES["no_file"])

    # the form saved and submitted: the uploaded file goes with its commitment, by id
    page.fill("#sa-cycle", "2023-2025")
    page.select_option("#completion-TN0501", "substantial")
    page.select_option("#completion-TN0502", "limited")
    press_and_follow(page, page.locator("#save-draft"))
    assert [f["file_id"] for f in draft_files("TN0502")] == [str(kept["_id"])]  # saving the form keeps the files
    fields = {i.get_attribute("name"): i.input_value() for i in page.locator("#self-assessment-form [name]").all()
              if i.get_attribute("name") != "action"}
    press_and_follow(page, page.locator("#submit-self-assessment"))
    assert "/ar/government?submitted=" in page.url
    stored = intake_documents.SelfAssessment.objects(member_code="TN", plan_number=PLAN).order_by("-version").first()
    evidence = stored.commitments[1]["evidence"]
    assert [e.get("file_id") for e in evidence] == [str(kept["_id"])] and evidence[0].get("sha256") in (None, kept["metadata"]["sha256"])
    # The same submission posted again (a double click's second post, handled after the first took the draft and
    # its files away): the first one's answer, not a refusal, and nothing new.
    again = page.request.post(f"{site}/ar{FORM}", form={**fields, "action": "submit"}, max_redirects=0)
    assert again.status == 303 and again.headers["location"] == page.url.removeprefix(site)
    assert intake_documents.SelfAssessment.objects(member_code="TN", plan_number=PLAN).count() == 1
    assert seen["foreign"] == []


def test_a_declared_body_over_the_limit_gets_the_413_page_in_arabic_before_it_is_read(site, web):
    target = urlsplit(web)
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=15)
    connection.putrequest("POST", f"/ar{UPLOAD}")
    connection.putheader("Content-Type", "multipart/form-data; boundary=x")
    connection.putheader("Content-Length", str(edge.upload_body_max_bytes(edge.EVIDENCE_MAX_BYTES) + 1))
    connection.putheader("Sec-Fetch-Site", "same-origin")
    connection.endheaders()  # and no body: the answer comes before any is read
    answer = connection.getresponse()
    page = answer.read().decode()
    connection.close()
    assert answer.status == 413 and 'data-reason="file_too_large"' in page
    assert message("ar", "This file is larger than %(megabytes)s MB, the limit for an evidence file. Nothing was kept.",
                   megabytes="20") in page
    assert 'lang="ar"' in page and 'dir="rtl"' in page


def upload_with_the_script(page, commitment_id, name, pdf):
    page.set_input_files(f"#file-{commitment_id}", files=[{"name": name, "mimeType": "application/pdf", "buffer": pdf}])
    page.locator(f"#upload-button-{commitment_id}").click(no_wait_after=True)
    assert wait_for_state(page, f"#files-{commitment_id}") == "done"


def test_with_the_script_a_file_is_removed_from_the_draft_and_what_is_typed_stays(site, context_factory, artifacts):
    intake_documents.SelfAssessmentDraft.objects(member_code="TN").delete()
    page, seen = signed_in_form(site, context_factory, "poc-remove-js@example.org")
    first, second = minimal_pdf("first"), minimal_pdf("second")
    upload_with_the_script(page, "TN0501", "أول.pdf", first)
    upload_with_the_script(page, "TN0501", "ثاني.pdf", second)
    kept_first, kept_second = (str(stored_evidence(hashlib.sha256(pdf).hexdigest())["_id"]) for pdf in (first, second))
    assert [f["file_id"] for f in draft_files()] == [kept_first, kept_second]
    typed = "نص لم يُحفظ بعد."
    page.fill("#narrative-TN0501", typed)

    # The first file's button (listed by the script just now): it names the file, and takes it out in place.
    button = page.locator(f"#remove-button-{kept_first}")
    assert button.inner_text() == message("ar", "Remove")
    assert button.get_attribute("aria-label") == message("ar", "Remove %(name)s from the draft", name="أول.pdf")
    button.click(no_wait_after=True)
    assert wait_for_state(page, "#files-TN0501", ("removed", "refused")) == "removed"
    assert text_of(page, "#upload-status-TN0501") == message("ar", "Removed from the draft: %(name)s", name="أول.pdf")
    assert page.locator("#files-list-TN0501 li").count() == 1 and "ثاني.pdf" in text_of(page, "#files-list-TN0501 li")
    assert page.locator("#narrative-TN0501").input_value() == typed  # nothing typed is lost
    assert [f["file_id"] for f in draft_files()] == [kept_second]
    assert stored_evidence(hashlib.sha256(first).hexdigest()) is not None  # intake keeps the file itself
    assert axe_violations(page) == []
    page.screenshot(path=artifacts / "evidence-removed-ar.png", full_page=True)

    # The page opened again: the other file, with its button as the server renders it; removed too, the list goes.
    page.goto(f"{site}/ar{FORM}")
    assert page.locator("#files-list-TN0501 li").count() == 1
    page.locator(f"#remove-button-{kept_second}").click(no_wait_after=True)
    assert wait_for_state(page, "#files-TN0501", ("removed", "refused")) == "removed"
    assert page.locator("#files-list-TN0501").is_hidden() and page.locator("#files-heading-TN0501").is_hidden()
    assert draft_files() == []
    assert seen["csp"] == [] and seen["foreign"] == []


def test_without_the_script_a_file_is_removed_by_the_plain_post_and_a_second_removal_is_a_404(site, context_factory):
    intake_documents.SelfAssessmentDraft.objects(member_code="TN").delete()
    page, seen = signed_in_form(site, context_factory, "poc-remove-plain@example.org", java_script_enabled=False)
    pdf = minimal_pdf("to remove")
    page.set_input_files("#file-TN0502", files=[{"name": "contrats.pdf", "mimeType": "application/pdf", "buffer": pdf}])
    press_and_follow(page, page.locator("#upload-button-TN0502"))
    file_id = str(stored_evidence(hashlib.sha256(pdf).hexdigest())["_id"])
    assert [f["file_id"] for f in draft_files("TN0502")] == [file_id]
    other = page.context.new_page()  # a second tab, open on the form with the file listed
    other.goto(f"{site}/ar{FORM}")
    answer = press_and_follow(page, page.locator(f"#remove-button-{file_id}"))
    assert answer.status == 303 and page.url == f"{site}/ar{FORM}?removed=TN0502#files-TN0502"
    assert text_of(page, "#upload-status-TN0502") == message("ar", "The file was removed from the draft.")
    assert page.locator("#files-list-TN0502 li").count() == 0 and draft_files("TN0502") == []

    # The same removal from the second tab: nothing to take out, and nothing else changes.
    answer = press_and_follow(other, other.locator(f"#remove-button-{file_id}"))
    assert answer.status == 404 and draft_files("TN0502") == []
    assert seen["foreign"] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_form_with_its_upload_parts_is_accessible_in_each_language(site, context_factory, artifacts, language):
    page, seen = signed_in_form(site, context_factory, f"poc-upload-a11y-{language}@example.org", language)
    page.set_input_files("#file-TN0501", files=[{"name": "rapport.pdf", "mimeType": "application/pdf", "buffer": minimal_pdf()}])
    page.locator("#upload-button-TN0501").click(no_wait_after=True)
    assert wait_for_state(page, "#files-TN0501") == "done"
    page.set_input_files("#file-TN0502", files=[{"name": "x.txt", "mimeType": "text/plain", "buffer": b"x"}])
    page.locator("#upload-button-TN0502").click(no_wait_after=True)
    page.wait_for_timeout(200)
    assert page.locator("#sa-file-TN0502-error").is_visible()
    assert page.locator("html").get_attribute("lang") == language
    assert axe_violations(page) == []
    page.screenshot(path=artifacts / f"evidence-form-{language}.png", full_page=True)
    page.goto(f"{site}/{language}{FORM}")  # as the server renders it, the file listed
    assert page.locator("#files-list-TN0501 li").count() >= 1
    assert axe_violations(page) == []
    assert seen["csp"] == [] and seen["foreign"] == []


def test_without_the_script_a_file_over_the_limit_is_refused_by_the_gateway_with_the_page_in_arabic(site, context_factory):
    """The gateway refuses the body unread (its memory's guard) and, the form being a page's, sends the browser
    to the pages' refusal in the form's language, with the way back: never the API's JSON."""
    page, _ = signed_in_form(site, context_factory, "poc-upload-large@example.org", java_script_enabled=False)
    too_large = b"%PDF-1.4\n" + b"0" * (edge.upload_body_max_bytes(edge.EVIDENCE_MAX_BYTES) + 1)
    page.set_input_files("#file-TN0501", files=[{"name": "large.pdf", "mimeType": "application/pdf", "buffer": too_large}])
    press_and_follow(page, page.locator("#upload-button-TN0501"))
    assert page.url.startswith(f"{site}/ar{edge.REFUSED_PAGE}?")
    assert page.locator("#refusal-reason").get_attribute("data-reason") == "file_too_large"
    assert text_of(page, "#refusal-reason") == message(
        "ar", "This file is larger than %(megabytes)s MB, the limit for an evidence file. Nothing was kept.", megabytes="20")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert "poc-upload-large@example.org" in text_of(page, "#signed-in-as")
    assert page.locator("#back-to-form").get_attribute("href") == f"/ar{FORM}"
    assert draft_files() == []
