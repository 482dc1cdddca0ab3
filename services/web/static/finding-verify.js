// The finding page's in-browser check of its case's history, the steps of `irm verify`
// (cli/verify.py) against this site's own public API, with the rules of tlog.js:
//   1. the latest checkpoint's Ed25519 signature, with the configured verifier key;
//   2. that checkpoint next to the ones this browser saw before (rollback, fork, consistency);
//   3. the case's hash chain, up to the audit head this finding version recorded;
//   4. each entry's inclusion proof against the checkpoint's root;
//   5. each disclosed content against the fingerprint its logged entry holds.
// Each step is listed as it is taken (an aria-live region). What the script needs comes from
// the page's data-* attributes; every request goes to the page's own origin (CSP 'self').
// Without JavaScript the page gives the `irm verify` command and the endpoints instead.
import * as tlog from "./tlog.js";

const section = document.getElementById("verify-finding");
const numbers = new Intl.NumberFormat(document.documentElement.lang);

function message(key, values = {}) {
  const template = section.querySelector(`#verify-messages [data-key="${key}"]`).textContent;
  return template.replace(/\{(\w+)\}/g, (_, name) => {
    const value = values[name];
    return typeof value === "number" || typeof value === "bigint" ? numbers.format(value) : String(value);
  });
}

// One line of the report: which step, which outcome, the entry it is about (if any).
function report(list, step, key, ok, values = {}) {
  const item = document.createElement("li");
  item.textContent = message(key, values);
  item.className = ok ? "status status-ok" : "status status-bad";
  Object.assign(item.dataset, { step, result: key, outcome: ok ? "pass" : "fail" });
  if (values.seq !== undefined) item.dataset.seq = String(values.seq);
  list.append(item);
  return ok;
}

async function getJson(url) {
  try {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}

async function getText(url) {
  try {
    const response = await fetch(url, { headers: { Accept: "text/plain" } });
    return response.ok ? await response.text() : null;
  } catch {
    return null;
  }
}

// verifyChain's problems, in words the page translates (shared/audit.py's wording).
function chainProblemKey(problem) {
  if (problem.problem.startsWith("expected seq")) return "chain_order";
  if (problem.problem.startsWith("prev_hash")) return "chain_link";
  if (problem.problem.startsWith("the recorded head")) return "chain_head";
  return "chain_altered";
}

async function checkSignature(list) {
  let key;
  try {
    key = await tlog.parseVerifierKey(section.dataset.key);
  } catch {
    report(list, "key", "key_bad", false);
    return null;
  }
  const note = await getText("/api/v1/log/checkpoint");
  if (note === null) {
    report(list, "checkpoint", "checkpoint_unavailable", false);
    return null;
  }
  try {
    const checkpoint = await tlog.openCheckpoint(note, key);
    report(list, "signature", "signature_ok", true, { size: checkpoint.size });
    return checkpoint;
  } catch (error) {
    report(list, "signature", error instanceof tlog.NoteError ? "signature_bad" : "unsupported", false);
    return null;
  }
}

async function checkChain(list, entries) {
  const head = { seq: Number(section.dataset.headSeq), hash: section.dataset.headHash };
  const chain = await tlog.verifyChain(entries, head);
  if (chain.valid) return report(list, "chain", "chain_ok", true, { count: chain.entries, seq: head.seq });
  for (const problem of chain.problems) report(list, "chain", chainProblemKey(problem), false, { seq: problem.seq });
  return false;
}

async function checkInclusion(list, entries, checkpoint) {
  let ok = true;
  const claimed = new Map();
  for (const entry of entries) {
    const values = { seq: entry.seq, action: entry.action, index: entry.log_index };
    const index = entry.log_index;
    if (!Number.isSafeInteger(index) || index < 0 || BigInt(index) >= checkpoint.size) {
      ok = report(list, "inclusion", "inclusion_missing", false, values) && ok;
      continue;
    }
    if (claimed.has(index)) {
      ok = report(list, "inclusion", "inclusion_duplicate", false, values) && ok;
      continue;
    }
    claimed.set(index, entry.seq);
    const proof = await getJson(`/api/v1/log/proofs/inclusion?index=${index}&size=${checkpoint.size}`);
    let hashes;
    try {
      hashes = proof.hashes.map(tlog.fromBase64);
    } catch {
      ok = report(list, "inclusion", "inclusion_unavailable", false, values) && ok;
      continue;
    }
    // The leaf is recomputed from the entry itself: the proof's own leaf_hash is not trusted.
    const leaf = await tlog.leafHash(tlog.logLeaf(entry));
    const included = await tlog.verifyInclusion(leaf, index, checkpoint.size, hashes, checkpoint.root);
    ok = report(list, "inclusion", included ? "inclusion_ok" : "inclusion_bad", included, values) && ok;
  }
  return ok;
}

async function checkDisclosed(list, entries) {
  let ok = true, disclosed = 0, withheld = 0;
  for (const entry of entries) {
    if ("sealed" in entry) {
      if (await tlog.sealedMatches(entry, entry.sealed)) disclosed += 1;
      else ok = report(list, "sealed", "sealed_bad", false, { seq: entry.seq, action: entry.action });
    } else if ("withheld" in entry) {
      withheld += 1;
    }
  }
  if (ok && (disclosed || withheld)) report(list, "sealed", "sealed_ok", true, { disclosed, withheld });
  return ok;
}

async function verify(list) {
  const checkpoint = await checkSignature(list);
  if (!checkpoint) return false;  // without a root this key vouches for, nothing else can be checked
  const memory = await tlog.reconcile(localStorage, checkpoint, tlog.fetchConsistency);
  report(list, "memory", memory.status, memory.ok, { old: memory.old, new: memory.new });
  const trail = await getJson(section.dataset.auditUrl);
  if (!trail || !Array.isArray(trail.entries)) return report(list, "trail", "trail_unavailable", false);
  const chained = await checkChain(list, trail.entries);
  const included = await checkInclusion(list, trail.entries, checkpoint);
  const matched = await checkDisclosed(list, trail.entries);
  return memory.ok && chained && included && matched;
}

async function run(button) {
  const list = document.getElementById("verify-steps");
  const outcome = document.getElementById("verify-outcome");
  button.disabled = true;
  list.replaceChildren();
  outcome.className = "status";
  delete outcome.dataset.outcome;
  outcome.textContent = message("running");
  let ok = false;
  try {
    ok = await verify(list);
  } finally {
    outcome.textContent = message(ok ? "verified" : "not_verified");
    outcome.className = ok ? "status status-ok" : "status status-bad";
    outcome.dataset.outcome = ok ? "pass" : "fail";
    button.disabled = false;
  }
}

if (section && section.dataset.key) {
  const button = document.getElementById("verify-run");
  document.getElementById("verify-needs-script").hidden = true;
  document.getElementById("verify-in-browser").hidden = false;
  button.addEventListener("click", () => run(button));
}
