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
  const memory = await tlog.reconcile(localStorage, checkpoint, tlog.fetchConsistency);
  step(list, memory.status, memory.ok, { old: memory.old, new: memory.new });
}

const form = document.getElementById("check-form");
if (form && document.getElementById("checkpoint-note")) {
  document.getElementById("needs-script").hidden = true;
  document.getElementById("browser-check").hidden = false;
  form.addEventListener("submit", check);
}
