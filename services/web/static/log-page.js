// The log page's in-browser check: the checkpoint shown in the page, opened with the key in the
// form (the configured one unless the reader pastes the one its owner publishes), then compared
// with the checkpoints this browser saw before (localStorage). Without JavaScript the page says
// how to check with `irm verify` instead.
import * as tlog from "./tlog.js";

const page = document.documentElement.lang;
const format = (n) => new Intl.NumberFormat(page).format(n);

function message(key, values = {}) {
  const template = document.querySelector(`#check-messages [data-key="${key}"]`).textContent;
  return template.replace(/\{(\w+)\}/g, (_, name) => format(values[name]));
}

function step(list, key, ok, values) {
  const item = document.createElement("li");
  item.textContent = message(key, values);
  item.className = ok ? "status status-ok" : "status status-bad";
  item.dataset.result = key;
  list.append(item);
}

async function consistent(from, checkpoint) {
  const url = `/api/v1/log/proofs/consistency?from=${from.size}&to=${checkpoint.size}`;
  let answer;
  try {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) return null;
    answer = await response.json();
  } catch {
    return null;
  }
  return tlog.verifyConsistency(BigInt(from.size), tlog.fromBase64(from.root), checkpoint.size, checkpoint.root,
    answer.hashes.map(tlog.fromBase64));
}

async function check(event) {
  event.preventDefault();
  const list = document.getElementById("check-steps");
  list.replaceChildren();
  const note = document.getElementById("checkpoint-note").textContent;
  let key, checkpoint;
  try {
    key = await tlog.parseVerifierKey(document.getElementById("key-input").value);
  } catch {
    return step(list, "key_bad", false);
  }
  try {
    checkpoint = await tlog.openCheckpoint(note, key);
  } catch (error) {
    return step(list, error instanceof tlog.NoteError ? "signature_bad" : "unsupported", false);
  }
  step(list, "signature_ok", true);
  const seen = tlog.seenCheckpoint(localStorage, checkpoint.origin);
  const comparison = tlog.compareWithSeen(seen, checkpoint);
  const values = { old: comparison.from ? comparison.from.size : 0, new: checkpoint.size };
  if (comparison.status === "grew") {
    const ok = await consistent(comparison.from, checkpoint);
    if (ok === null) return step(list, "grew_unchecked", false, values);
    step(list, ok ? "grew_ok" : "grew_bad", ok, values);
    if (ok) tlog.rememberCheckpoint(localStorage, checkpoint);
    return;
  }
  step(list, comparison.status, ["first", "same"].includes(comparison.status), values);
  if (comparison.status === "first") tlog.rememberCheckpoint(localStorage, checkpoint);
}

const form = document.getElementById("check-form");
if (form && document.getElementById("checkpoint-note")) {
  document.getElementById("needs-script").hidden = true;
  document.getElementById("browser-check").hidden = false;
  form.addEventListener("submit", check);
}
