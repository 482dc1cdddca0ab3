"""The in-browser verifier (services/web/static/tlog.js) in Chromium, on the vectors the Python
implementation computes (tests/browser/vectors.py): every untouched input verifies, every
tampering the Python verifier's tests use fails, and each answer is Python's, byte for byte
where there are bytes. Go's x/mod checker runs on the same checkpoints and consistency proofs
when the interop toolchain is there (tests/interop)."""
import pytest

from tests.browser import vectors as vector_module
from tests.interop import tlog_reference

pytestmark = pytest.mark.browser

RUN_VECTORS = """async (v) => {
  const t = await import("/static/tlog.js");
  const b = t.fromBase64;
  const out = {tree: [], inclusion: [], consistency: [], checkpoints: [], malformedKeys: [], chains: [], sealed: [], canonical: []};
  const leaves = v.merkle.leaves.map(b);
  for (const row of v.merkle.tree) out.tree.push(t.toBase64(await t.treeHash(leaves.slice(0, row.size))));
  for (const c of v.merkle.inclusion)
    out.inclusion.push(await t.verifyInclusion(b(c.leaf_hash), c.index, c.size, c.proof.map(b), b(c.root)));
  for (const c of v.merkle.consistency)
    out.consistency.push(await t.verifyConsistency(c.old_size, b(c.old_root), c.new_size, b(c.new_root), c.proof.map(b)));
  const key = await t.parseVerifierKey(v.checkpoints.key);
  for (const c of v.checkpoints.checkpoints) {
    try {
      const opened = await t.openCheckpoint(c.note, key);
      out.checkpoints.push({ok: true, size: opened.size.toString(), root: t.toBase64(opened.root)});
    } catch (e) {
      out.checkpoints.push({ok: false, noteError: e instanceof t.NoteError, message: e.message});
    }
  }
  for (const k of v.checkpoints.malformed_keys) {
    try { await t.parseVerifierKey(k); out.malformedKeys.push("accepted"); } catch (e) { out.malformedKeys.push(e instanceof t.NoteError); }
  }
  for (const c of v.audit.chains) {
    out.chains.push({verification: await t.verifyChain(c.entries, c.head),
                     hashes: await Promise.all(c.entries.map(t.entryHash)),
                     leaves: c.entries.map((e) => t.toBase64(t.logLeaf(e)))});
  }
  for (const c of v.audit.sealed) out.sealed.push(await t.sealedMatches(v.audit.entry, c.sealed));
  for (const c of v.audit.canonical) out.canonical.push(t.canonicalJson(c.value));
  return out;
}"""


@pytest.fixture(scope="module")
def vectors():
    return vector_module.all_vectors()


@pytest.fixture
def results(web, page, vectors):
    page.goto(web + "/en/log")  # a secure context (127.0.0.1) whose CSP allows the module
    return page.evaluate(RUN_VECTORS, vectors)


def test_merkle_roots_and_proofs_agree_with_python(results, vectors):
    assert results["tree"] == [row["root"] for row in vectors["merkle"]["tree"]]
    expected = [c["ok"] for c in vectors["merkle"]["inclusion"]]
    assert results["inclusion"] == expected and True in expected and False in expected
    names = {c["name"] for c in vectors["merkle"]["inclusion"] if not c["ok"]}
    assert names == {"altered proof hash", "proof hash missing", "extra proof hash", "altered leaf", "wrong index", "wrong root"}
    expected = [c["ok"] for c in vectors["merkle"]["consistency"]]
    assert results["consistency"] == expected
    assert {c["name"] for c in vectors["merkle"]["consistency"] if c["ok"]} == {"untouched"}
    assert all(c["ok"] for c in vectors["merkle"]["consistency"] if c["name"] == "untouched")


def test_checkpoints_open_exactly_when_python_opens_them(results, vectors):
    cases = vectors["checkpoints"]["checkpoints"]
    assert [r["ok"] for r in results["checkpoints"]] == [c["ok"] for c in cases]
    for result, case in zip(results["checkpoints"], cases):
        if case["ok"]:
            assert (result["size"], result["root"]) == (str(vectors["checkpoints"]["size"]), vectors["checkpoints"]["root"])
        else:
            assert result["noteError"], f"{case['name']}: {result['message']}"
    assert results["malformedKeys"] == [True] * len(vectors["checkpoints"]["malformed_keys"])


def test_the_audit_chain_sealed_content_and_canonical_json_agree_with_python(results, vectors):
    for result, chain in zip(results["chains"], vectors["audit"]["chains"]):
        assert result["verification"] == chain["verification"], chain["name"]
        assert result["hashes"] == chain["hashes"] and result["leaves"] == chain["leaves"], chain["name"]
    assert [c["verification"]["valid"] for c in vectors["audit"]["chains"]] == [True] + [False] * 6 + [True]
    assert results["sealed"] == [c["ok"] for c in vectors["audit"]["sealed"]] == vectors["audit"]["sealed_expected"]
    assert results["canonical"] == [c["json"] for c in vectors["audit"]["canonical"]]


def test_the_checkpoint_store_reports_rollback_and_fork(web, page):
    page.goto(web + "/en/log")
    statuses = page.evaluate("""async () => {
      const t = await import("/static/tlog.js");
      const root = new Uint8Array(32), other = new Uint8Array(32).fill(7);
      const seen = {size: "10", root: t.toBase64(root)};
      return [null, seen, seen, seen, seen].map((s, i) =>
        t.compareWithSeen(s, {size: [10n, 10n, 10n, 9n, 11n][i], root: [root, root, other, root, root][i]}).status);
    }""")
    assert statuses == ["first", "same", "fork", "rollback", "grew"]


def test_go_reference_checker_agrees_on_the_same_vectors(vectors):
    reason = tlog_reference.available()
    if reason:
        pytest.skip(reason)  # tests/interop fails loudly without Go; here it only adds a third opinion
    answer = tlog_reference.check(vector_module.go_payload(vectors))
    assert [c["ok"] for c in answer["checkpoints"]] == [c["ok"] for c in vectors["checkpoints"]["checkpoints"]]
    assert [c["ok"] for c in answer["consistency"]] == [c["ok"] for c in vectors["merkle"]["consistency"]]
