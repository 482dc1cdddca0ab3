"""The finding page's in-browser verifier (static/finding-verify.js) in Chromium, against a real
published finding whose case history publication's transparency log appended and signed.

The page and the API share one origin, as in production: the gateway runs here, in front of the
web and publication services, so the script's fetches are same-origin under the page's CSP.

An untouched log verifies in every language, with each step's text from that language's catalog.
Then every tampering the Python verifier's tests use (tests/integration/test_transparency_log.py,
test_publication.py, test_disclosure.py; tests/unit/test_audit.py, test_transparency.py) is applied,
to the database or, for what a hostile or broken server would answer, to the responses through
Playwright's routing, and the step that must fail is asserted; for each database tampering
`irm verify` (cli/verify.py) is asked too and must fail with it.
"""
import base64
import json

import eventlet
import mongoengine
import pytest
import requests
from eventlet import wsgi

from cli import verify as python_verifier
from devtools.ports import free_port
from services.gateway.app import Gateway, GatewayProtocol
from services.gateway.upstreams import Upstream
from services.publication import documents as publication_documents
from services.publication.service import PublicationService
from services.web import i18n
from shared import audit
from shared.irm import LANGUAGES
from shared.persistence.documents import AuditEntry, LogQueueEntry, SealedContent
from shared.transparency.note import Checkpoint, SigningKey, TIME_PREFIX, open_checkpoint, sign_checkpoint, sign_note
from tests import log_tampering
from tests.browser import findings
from tests.browser.conftest import restart_web
from tests.browser.conftest import axe_violations
from tests.integration.conftest import wait_until

pytestmark = pytest.mark.browser
CASE = "case_web_xs"  # the hostile case: 7 entries, one disclosed sealed content, one still withheld
STORE_KEY = "irm-review.checkpoints.v1"
MAX_PAGE_BYTES = 100 * 1024  # as tests/browser/test_pages.py measures a page


# --- the site: publication (with its log), the pages, and the gateway in front ------------------
def settled():
    """Every recorded entry is in the tree, and a checkpoint covers the whole tree."""
    state = publication_documents.LogState._get_collection().find_one({"_id": "log"})
    latest = publication_documents.LogCheckpoint.objects.order_by("-size").first()
    return (LogQueueEntry.objects.count() == 0 and state is not None and latest is not None
            and latest.size == state["size"] == AuditEntry.objects.count()) and latest.size


def wait_logged():
    return wait_until(settled, timeout=30, what="the log to take in every entry and sign it")


@pytest.fixture
def site(container_factory, db, amqp_uri, log_key, web):
    """The gateway's base URL, the finding ids by name, and the signed size of the log."""
    published = findings.seed()
    port = free_port()
    container_factory(PublicationService, {"AMQP_URI": amqp_uri, "MONGODB_URI": db, "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}",
                                           "serializer": "json", "LOG_SIGNING_KEY": str(log_key),
                                           "LOG_CHECKPOINT_SECONDS": 0}).start()
    unused = f"http://127.0.0.1:{free_port()}"  # intake and review: no page or check reaches them
    gateway = Gateway({"publication": Upstream([f"http://127.0.0.1:{port}"]), "web": Upstream([web]),
                       "intake": Upstream([unused]), "review": Upstream([unused])})
    listener = eventlet.listen(("127.0.0.1", 0))
    server = eventlet.spawn(wsgi.server, listener, gateway, log_output=False, protocol=GatewayProtocol)
    size = wait_logged()
    yield {"url": f"http://127.0.0.1:{listener.getsockname()[1]}", "findings": published, "size": size}
    server.kill()
    listener.close()


def finding_url(site, language="en"):
    return f"{site['url']}/{language}/findings/{site['findings']['hostile_withdrawn']}"


def verify_in_page(page):
    """Press the button, wait for the outcome: (outcome, [{step, result, outcome, seq, text}])."""
    page.locator("#verify-run").click()
    page.wait_for_selector("#verify-outcome[data-outcome]")
    steps = page.eval_on_selector_all("#verify-steps li", """items => items.map(i => ({step: i.dataset.step,
        result: i.dataset.result, outcome: i.dataset.outcome, seq: i.dataset.seq === undefined ? null : Number(i.dataset.seq),
        text: i.textContent}))""")
    return page.locator("#verify-outcome").get_attribute("data-outcome"), steps


def failures(steps):
    return [(s["step"], s["result"], s["seq"]) for s in steps if s["outcome"] == "fail"]


def python_report(site, log_key, **options):
    return python_verifier.verify(site["url"], log_key.verifier, site["findings"]["hostile_withdrawn"], **options)


def trail():
    return list(AuditEntry._get_collection().find({"case_id": CASE}, {"_id": 0}, sort=[("seq", 1)]))


# --- the untouched log -----------------------------------------------------------------------------
@pytest.mark.parametrize("language", LANGUAGES)
def test_an_untouched_history_verifies_step_by_step_in_each_language(site, log_key, page, artifacts, language):
    seen = {"foreign": [], "csp": [], "bytes": 0}
    page.on("request", lambda r: None if r.url.startswith(site["url"] + "/") else seen["foreign"].append(r.url))
    page.on("console", lambda m: seen["csp"].append(m.text) if "Content Security Policy" in m.text else None)
    page.on("response", lambda r: seen.__setitem__("bytes", seen["bytes"] + len(r.body())) if r.ok else None)
    page.goto(finding_url(site, language))
    assert not page.locator("#verify-needs-script").is_visible() and page.locator("#verify-run").is_visible()
    assert page.locator("#verify-steps").locator("..").get_attribute("aria-live") == "polite"
    assert page.locator("#verify-key").text_content() == str(log_key.verifier)
    assert page.locator("#verify-key-published-at").text_content() == "https://ogp.example/irm/verifier-key"
    outcome, steps = verify_in_page(page)
    assert failures(steps) == [] and outcome == "pass"
    entries = trail()
    assert [s["result"] for s in steps] == ["signature_ok", "first", "chain_ok"] + ["inclusion_ok"] * len(entries) + ["sealed_ok"]
    assert [s["seq"] for s in steps if s["step"] == "inclusion"] == [e["seq"] for e in entries] == list(range(7))

    # Each line is the catalog's translation of its message, with the values in place.
    catalog = i18n.catalog(language)
    size = i18n.number(site["size"], language)
    leaves = {raw["seq"]: raw["_id"] for raw in publication_documents.LogLeaf._get_collection().find({"case_id": CASE})}
    expected = [catalog.gettext("Checkpoint: signed by the configured key, %(size)s entries.") % {"size": size},
                catalog.gettext("The first checkpoint this browser sees from this log: kept to compare with later ones."),
                catalog.gettext("Hash chain: %(count)s entries, each hash and link intact, up to the decision this version "
                                "recorded (entry %(seq)s).") % {"count": 7, "seq": 6}]
    expected += [catalog.gettext("Entry %(seq)s (%(action)s): in the signed log at index %(index)s.") % {
        "seq": e["seq"], "action": e["action"], "index": i18n.number(leaves[e["seq"]], language)} for e in entries]
    expected.append(catalog.gettext("Disclosed content: %(disclosed)s match what the log committed to; %(withheld)s still "
                                    "withheld.") % {"disclosed": 1, "withheld": 1})
    assert [s["text"] for s in steps] == expected
    if language != "en":
        assert steps[0]["text"] != f"Checkpoint: signed by the configured key, {site['size']} entries."
    assert page.locator("#verify-outcome").text_content() == catalog.gettext(
        "Verified: this finding's history is intact and in the signed log.")
    # Same origin only, nothing blocked by the CSP, and the page with its check under 100 KB.
    assert seen["foreign"] == [] and seen["csp"] == [] and 0 < seen["bytes"] < MAX_PAGE_BYTES, seen
    page.screenshot(path=artifacts / f"finding-verify-pass-{language}.png", full_page=True)
    assert axe_violations(page) == []

    # Checked again: the same checkpoint as before; and the Python verifier agrees.
    outcome, steps = verify_in_page(page)
    assert outcome == "pass" and steps[1]["result"] == "same"
    assert python_report(site, log_key).ok


def test_with_javascript_off_the_finding_page_says_how_to_verify_with_the_command(site, log_key, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(finding_url(site, "fr"))
    assert page.locator("#verify-needs-script").is_visible() and not page.locator("#verify-in-browser").is_visible()
    command = page.locator("#verify-command").text_content()
    assert command == f"irm verify --url http://127.0.0.1:8000 --key '{log_key.verifier}' {site['findings']['hostile_withdrawn']}"
    links = page.locator("#verify-links a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert links == ["/api/v1/log/checkpoint", "/api/v1/log/checkpoints", f"/api/v1/cases/{CASE}/audit", "/api/v1/log/entries"]
    for link in links:  # each one answers, through the same gateway
        assert requests.get(site["url"] + link, timeout=10).status_code == 200
    context.close()


# --- tampering with what is stored ------------------------------------------------------------------
entries, leaves = log_tampering.entries, log_tampering.leaves


def edit_an_entry():
    log_tampering.change_an_entry(CASE, 2)


def edit_an_entry_and_rehash_it():
    entry = entries().find_one({"case_id": CASE, "seq": 1}, {"_id": 0})
    entry["reason"] = "rewritten"
    entry["hash"] = audit.entry_hash(entry)
    entries().replace_one({"case_id": CASE, "seq": 1}, entry)


def edit_an_entry_and_rehash_the_chain():
    edit_an_entry()
    log_tampering.rehash_chain_from(CASE, 2)
    heads = {e["seq"]: e["hash"] for e in trail()}
    for finding in publication_documents.Finding._get_collection().find({"case_id": CASE}):
        publication_documents.Finding._get_collection().update_one(
            {"_id": finding["_id"]}, {"$set": {"audit_head.hash": heads[finding["audit_head"]["seq"]]}})


def reorder_two_entries():
    # Through a spare seq: the unique index forbids a direct swap.
    entries().update_one({"case_id": CASE, "seq": 2}, {"$set": {"seq": -1}})
    entries().update_one({"case_id": CASE, "seq": 3}, {"$set": {"seq": 2}})
    entries().update_one({"case_id": CASE, "seq": -1}, {"$set": {"seq": 3}})


def remove_a_middle_entry():
    entries().delete_one({"case_id": CASE, "seq": 3})


def remove_the_last_entry():
    entries().delete_one({"case_id": CASE, "seq": 6})


remove_a_log_leaf, reorder_two_log_leaves, alter_a_stored_node = log_tampering.bound_to(
    CASE, log_tampering.remove_a_log_leaf, log_tampering.reorder_two_log_leaves, log_tampering.alter_a_stored_node)


def alter_disclosed_content():
    # seq 3, the government's comment: sealed until publication, so disclosed now.
    changed = SealedContent._get_collection().update_one({"case_id": CASE, "seq": 3}, {"$set": {"content.text.en": "Gov, edited"}})
    assert changed.modified_count == 1


def some(step, result, seq=None):
    return (step, result, seq)


# What each tampering must make fail: (step, result, entry seq or None), every one present.
STORED = {
    edit_an_entry: [some("chain", "chain_altered", 2), some("inclusion", "inclusion_bad", 2)],
    edit_an_entry_and_rehash_it: [some("chain", "chain_link", 2), some("inclusion", "inclusion_bad", 1)],
    # The chain is whole again: only the log, which holds the original entries, tells.
    edit_an_entry_and_rehash_the_chain: [some("inclusion", "inclusion_bad", seq) for seq in range(2, 7)],
    reorder_two_entries: [some("chain", "chain_link", 2), some("chain", "chain_altered", 2), some("chain", "chain_altered", 3)],
    remove_a_middle_entry: [some("chain", "chain_order", 4)],
    remove_the_last_entry: [some("chain", "chain_head", 6)],
    remove_a_log_leaf: [some("inclusion", "inclusion_missing", 1)],
    reorder_two_log_leaves: [some("inclusion", "inclusion_bad", 1), some("inclusion", "inclusion_bad", 4)],
    alter_a_stored_node: [some("inclusion", "inclusion_bad", 1)],
    alter_disclosed_content: [some("sealed", "sealed_bad", 3)],
}
CHAIN_INTACT = {edit_an_entry_and_rehash_the_chain, remove_a_log_leaf, reorder_two_log_leaves, alter_a_stored_node,
                alter_disclosed_content}


@pytest.mark.parametrize("tamper", list(STORED), ids=lambda tamper: tamper.__name__)
def test_each_stored_tampering_fails_its_step_here_and_in_irm_verify(site, log_key, page, artifacts, tamper):
    assert python_report(site, log_key).ok
    tamper()
    page.goto(finding_url(site))
    outcome, steps = verify_in_page(page)
    failed = failures(steps)
    assert outcome == "fail" and set(STORED[tamper]) <= set(failed), failed
    # The checkpoint itself is genuine: its signature and this browser's memory still pass.
    assert [s["result"] for s in steps[:2]] == ["signature_ok", "first"]
    assert ("chain" not in {step for step, _, _ in failed}) == (tamper in CHAIN_INTACT)
    assert page.locator("#verify-outcome").text_content() == "Not verified: at least one check failed (marked above)."
    page.screenshot(path=artifacts / f"finding-verify-fail-{tamper.__name__}-en.png", full_page=True)
    report = python_report(site, log_key)
    assert not report.ok and report.problems


def rebuild_the_log_from_scratch():
    """An insider rewrites history: edit an entry, rehash, rebuild the tree from the edited
    entries, sign it anew, and let the log go on so the forged tree is larger than the one seen."""
    edit_an_entry_and_rehash_the_chain()
    log_tampering.requeue_the_whole_log()
    findings.record_history("case_web_cover")


def test_a_rewritten_and_resigned_log_is_caught_by_the_checkpoint_this_browser_remembers(
        site, log_key, page, browser, artifacts, container_factory, web_container, web_config):
    page.goto(finding_url(site))
    assert verify_in_page(page)[0] == "pass"
    seen_note = requests.get(site["url"] + "/api/v1/log/checkpoint", timeout=10).text
    rebuild_the_log_from_scratch()
    # A thorough insider restarts the site too: the finding page kept in memory still carries
    # the audit head it was published with, and would give the forgery away on its own.
    restart_web(container_factory, web_container, web_config)
    # The page's ETag names the findings' state, which the insider left as it was: the browser's
    # copy would still be revalidated (304). Its HTTP cache goes; its localStorage stays.
    page.context.new_cdp_session(page).send("Network.clearBrowserCache")
    assert wait_logged() > site["size"]
    page.reload()
    outcome, steps = verify_in_page(page)
    # The forgery is self-consistent (chain and proofs pass): only the memory catches it.
    assert outcome == "fail" and failures(steps) == [("memory", "grew_bad", None)]
    page.screenshot(path=artifacts / "finding-verify-fail-rewritten-log-en.png", full_page=True)
    fresh = browser.new_context().new_page()  # a browser that never saw the log believes it
    fresh.goto(finding_url(site))
    assert verify_in_page(fresh)[0] == "pass"
    fresh.context.close()
    assert python_report(site, log_key).ok  # so does irm verify without its memory...
    remembered = python_report(site, log_key, earlier_checkpoint=seen_note)  # ...and with it, not
    assert not remembered.ok and any(problem.startswith("FORK") for problem in remembered.problems)
    # The browser kept the genuine checkpoint, not the forged one: it keeps reporting.
    assert verify_in_page(page)[1][1]["result"] == "grew_bad"


# --- tampering with what is served --------------------------------------------------------------------
def serve(page, path, change, content_type="text/plain; charset=utf-8"):
    """Answer requests to `path` (with any query) with `change(the real answer's text, url)`."""
    def handle(route):
        real = route.fetch()
        route.fulfill(status=real.status, headers={"Content-Type": content_type}, body=change(real.text(), route.request.url))
    page.route(lambda url: url.split("?")[0].endswith(path), handle)


def note_parts(note):
    text, signatures = note.split("\n\n", 1)
    origin, size, root = text.split("\n")[:3]
    return origin, int(size), root, signatures


def flip_base64(text, at=0):
    raw = bytearray(base64.b64decode(text))
    raw[at] ^= 1
    return base64.b64encode(bytes(raw)).decode()


def altered_size(note, _key):
    return note.replace(f"\n{note_parts(note)[1]}\n", f"\n{note_parts(note)[1] + 1}\n", 1)


def altered_root(note, _key):
    return note.replace(note_parts(note)[2], flip_base64(note_parts(note)[2]), 1)


def altered_signature(note, _key):
    line = note.split("\n\n", 1)[1].strip()
    signature = line.split(" ")[2]
    raw = bytearray(base64.b64decode(signature))
    raw[10] ^= 1
    return note.replace(signature, base64.b64encode(bytes(raw)).decode())


def signature_stripped(note, _key):
    return note.split("\n\n", 1)[0] + "\n"


def signed_by_another_key_of_the_same_name(note, key):
    _, size, root, _ = note_parts(note)
    return sign_checkpoint(Checkpoint(key.name, size, base64.b64decode(root), ()), SigningKey.generate(key.name))


def another_origin_signed_by_the_key(note, key):
    _, size, root, _ = note_parts(note)
    return sign_note(f"someone.else/log\n{size}\n{root}\n", key)


SERVED_CHECKPOINTS = [altered_size, altered_root, altered_signature, signature_stripped, signed_by_another_key_of_the_same_name,
                      another_origin_signed_by_the_key]


@pytest.mark.parametrize("forge", SERVED_CHECKPOINTS, ids=lambda forge: forge.__name__)
def test_a_checkpoint_the_configured_key_did_not_sign_as_served_fails_the_signature_step(site, log_key, page, forge):
    serve(page, "/api/v1/log/checkpoint", lambda note, _url: forge(note, log_key))
    page.goto(finding_url(site))
    outcome, steps = verify_in_page(page)
    # Nothing is checked against a root the key does not vouch for, and nothing is remembered.
    assert outcome == "fail" and [(s["step"], s["result"], s["outcome"]) for s in steps] == [("signature", "signature_bad", "fail")]
    assert page.evaluate(f"localStorage.getItem('{STORE_KEY}')") is None


def test_a_rollback_a_fork_and_a_bad_consistency_proof_after_a_good_checkpoint_are_reported(site, log_key, page, artifacts):
    page.goto(finding_url(site))
    assert verify_in_page(page)[0] == "pass"
    first_size = site["size"]
    findings.record_history("case_web_later")  # the log goes on: 4 more entries, a new checkpoint
    assert wait_logged() == first_size + 4

    # Grown, but the consistency proof served does not prove the old tree is a prefix.
    serve(page, "/api/v1/log/proofs/consistency", lambda body, _url: json.dumps(
        {**json.loads(body), "hashes": [flip_base64(h) for h in json.loads(body)["hashes"]]}), "application/json")
    page.reload()
    outcome, steps = verify_in_page(page)
    assert outcome == "fail" and failures(steps) == [("memory", "grew_bad", None)]
    page.unroute_all()
    page.reload()
    outcome, steps = verify_in_page(page)  # the genuine proof: grown, consistent, remembered
    assert outcome == "pass" and steps[1]["result"] == "grew_ok"
    assert steps[1]["text"] == (f"The log grew from {first_size} to {first_size + 4} entries and the consistency proof "
                                "verifies: nothing earlier was rewritten.")

    # Rollback: the site serves an older genuine checkpoint than this browser saw.
    older = requests.get(f"{site['url']}/api/v1/log/checkpoints/{first_size}", timeout=10).text
    open_checkpoint(older, log_key.verifier)
    serve(page, "/api/v1/log/checkpoint", lambda _note, _url: older)
    page.reload()
    outcome, steps = verify_in_page(page)
    assert outcome == "fail" and steps[0]["result"] == "signature_ok" and failures(steps) == [("memory", "rollback", None)]
    page.screenshot(path=artifacts / "finding-verify-fail-rollback-en.png", full_page=True)

    # Fork: a genuine signature on another root for the size this browser saw.
    page.unroute_all()
    latest = requests.get(site["url"] + "/api/v1/log/checkpoint", timeout=10).text
    size = note_parts(latest)[1]
    forked = sign_checkpoint(Checkpoint(log_key.name, size, bytes(32), (TIME_PREFIX + "2026-01-01T00:00:00Z",)), log_key)
    serve(page, "/api/v1/log/checkpoint", lambda _note, _url: forked)
    page.reload()
    outcome, steps = verify_in_page(page)
    assert outcome == "fail" and ("memory", "fork", None) in failures(steps)
    assert {result for step, result, _ in failures(steps) if step == "inclusion"} == {"inclusion_bad"}  # no proof fits that root
    # What the browser remembers is still the genuine checkpoint.
    remembered = json.loads(page.evaluate(f"localStorage.getItem('{STORE_KEY}')"))[log_key.name]
    assert remembered == {"size": str(size), "root": note_parts(latest)[2]}


def change_the_proof_of(index, change):
    def rewrite(body, url):
        proof = json.loads(body)
        return json.dumps({**proof, "hashes": change(proof["hashes"])}) if f"index={index}&" in url else body
    return rewrite


PROOF_CHANGES = {
    "a proof hash altered": lambda hashes: [flip_base64(hashes[0])] + hashes[1:],
    "a proof hash missing": lambda hashes: hashes[:-1],
    "an extra proof hash": lambda hashes: hashes + [hashes[0]],
}


@pytest.mark.parametrize("change", list(PROOF_CHANGES))
def test_a_wrong_inclusion_proof_fails_that_entrys_step(site, page, change):
    index = leaves().find_one({"case_id": CASE, "seq": 2})["_id"]
    serve(page, "/api/v1/log/proofs/inclusion", change_the_proof_of(index, PROOF_CHANGES[change]), "application/json")
    page.goto(finding_url(site))
    outcome, steps = verify_in_page(page)
    assert outcome == "fail" and failures(steps) == [("inclusion", "inclusion_bad", 2)]


def test_an_entry_served_with_another_entrys_log_index_fails_both(site, page):
    def swap(body, _url):
        trail_body = json.loads(body)
        by_seq = {e["seq"]: e for e in trail_body["entries"]}
        by_seq[2]["log_index"] = by_seq[5]["log_index"]
        return json.dumps(trail_body)
    serve(page, f"/api/v1/cases/{CASE}/audit", swap, "application/json")
    page.goto(finding_url(site))
    outcome, steps = verify_in_page(page)
    assert outcome == "fail" and failures(steps) == [("inclusion", "inclusion_bad", 2), ("inclusion", "inclusion_duplicate", 5)]
