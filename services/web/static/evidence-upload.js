// The self-assessment form's evidence files, uploaded without leaving the page (progressive
// enhancement: without this script each commitment's upload form posts and comes back listed).
// Before sending: the file's name must be of an accepted type and its size within the limit, said
// next to the field. While sending: a <progress> with its label, and "Uploaded 40%" in the live
// region. After: the file listed under its commitment, as the page lists it; a refusal (intake's:
// the type judged by content, the size) next to the field. A listed file's Remove button takes it out
// of the draft without leaving the page either (what is typed in the form stays). Every word comes
// from the page, in its language (data-msg-* on each commitment's upload block).

import { clearFieldError, fill, refusalBeforeSending, sendWithProgress, showFieldError } from "./file-upload.js";

const errorId = (input) => `sa-${input.id}-error`;

function showError(input, block, text) {
  showFieldError(input, errorId(input), text);
  block.querySelector(".upload-status").textContent = "";
}

const clearError = (input) => clearFieldError(input, errorId(input));

// A file's remove button and its own form, as the page renders them (forms do not nest: the form goes
// after the self-assessment's, and the button names it).
function removeControls(block, listed, csrfToken) {
  const form = Object.assign(document.createElement("form"), { method: "post", action: block.dataset.removeHref,
                                                               id: `remove-${listed.file_id}`, className: "evidence-remove-form" });
  form.dataset.commitment = block.id.replace(/^files-/, "");
  for (const [name, value] of [["csrf_token", csrfToken], ["file_id", listed.file_id]]) {
    form.append(Object.assign(document.createElement("input"), { type: "hidden", name, value }));
  }
  document.getElementById("self-assessment-form").after(form);
  const button = Object.assign(document.createElement("button"), { type: "submit", id: `remove-button-${listed.file_id}`,
                                                                   className: "remove-file", textContent: block.dataset.msgRemove });
  button.setAttribute("form", form.id);
  button.setAttribute("aria-label", fill(block.dataset.msgRemoveLabel, { name: listed.filename }));
  enhanceRemoval(form);
  return button;
}

function listFile(block, listed, csrfToken) {
  const list = block.querySelector(".evidence-files");
  const item = document.createElement("li");
  const part = (className, text, auto) => Object.assign(document.createElement("span"), { className, textContent: text, ...(auto ? { dir: "auto" } : {}) });
  item.append(part("file-name", listed.filename, true), " · ", part("file-size", listed.size), " · ", part("file-type", listed.type),
              " ", removeControls(block, listed, csrfToken));
  list.append(item);
  list.hidden = false;
  block.querySelector(".files-heading").hidden = false;
}

function enhanceRemoval(form) {
  const block = document.getElementById(`files-${form.dataset.commitment}`);
  if (!block) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = document.querySelector(`[form="${form.id}"]`);
    const item = button?.closest("li");
    const name = item?.querySelector(".file-name")?.textContent || "";
    const status = block.querySelector(".upload-status");
    if (button) button.disabled = true;
    block.dataset.state = "removing";
    let answer = null;
    try {
      answer = await fetch(form.action, { method: "POST", body: new URLSearchParams(new FormData(form)),
                                          headers: { accept: "application/json" }, credentials: "same-origin" });
    } catch { answer = null; }
    // 404: removed already (another tab, a second press): the file is not in the draft either way.
    if (answer && (answer.ok || answer.status === 404)) {
      item?.remove();
      form.remove();
      const list = block.querySelector(".evidence-files");
      if (!list.querySelector("li")) {
        list.hidden = true;
        block.querySelector(".files-heading").hidden = true;
      }
      block.querySelector(".upload-progress").hidden = true;  // the last upload's bar is not about this
      status.textContent = fill(block.dataset.msgRemoved, { name });
      block.dataset.state = "removed";
      block.querySelector("input[type=file]")?.focus();
      return;
    }
    if (button) button.disabled = false;
    status.textContent = block.dataset.msgRemoveTrouble;
    block.dataset.state = "refused";
  });
}

function enhance(form) {
  const commitment = form.dataset.commitment;
  const block = document.getElementById(`files-${commitment}`);
  const input = document.getElementById(`file-${commitment}`);
  if (!block || !input) return;
  block.querySelector(".no-script-note")?.remove();
  const progressBox = block.querySelector(".upload-progress");
  const progress = block.querySelector("progress");
  const status = block.querySelector(".upload-status");
  const button = document.getElementById(`upload-button-${commitment}`);
  input.addEventListener("change", () => {
    clearError(input);
    const refusal = refusalBeforeSending(input.files[0], block);
    if (refusal && input.files[0]) showError(input, block, refusal);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearError(input);
    const file = input.files[0];
    const refusal = refusalBeforeSending(file, block);
    if (refusal) {
      showError(input, block, refusal);
      input.focus();
      return;
    }
    progressBox.hidden = false;
    button.disabled = true;
    block.dataset.state = "sending";
    status.textContent = block.dataset.msgSending;
    sendWithProgress(form, { accept: "application/json", progress, status, messages: block, onDone: (request) => {
      button.disabled = false;
      let answer = {};
      try { answer = JSON.parse(request.responseText || "{}"); } catch { answer = {}; }
      if (request.status === 201 && answer.file) {
        progress.value = 100;
        listFile(block, answer.file, form.querySelector("input[name=csrf_token]").value);
        status.textContent = fill(block.dataset.msgDone, { name: answer.file.filename });
        block.dataset.state = "done";
        input.value = "";
        return;
      }
      progressBox.hidden = true;
      block.dataset.state = "refused";
      showError(input, block, answer.message || block.dataset.msgType);
    } });
  });
}

document.querySelectorAll("form.evidence-upload-form").forEach(enhance);
document.querySelectorAll("form.evidence-remove-form").forEach(enhanceRemoval);
