// The self-assessment form's evidence files, uploaded without leaving the page (progressive
// enhancement: without this script each commitment's upload form posts and comes back listed).
// Before sending: the file's name must be of an accepted type and its size within the limit, said
// next to the field. While sending: a <progress> with its label, and "Uploaded 40%" in the live
// region. After: the file listed under its commitment, as the page lists it; a refusal (intake's:
// the type judged by content, the size) next to the field. Every word comes from the page, in its
// language (data-msg-* on each commitment's upload block).

import { clearFieldError, fill, refusalBeforeSending, sendWithProgress, showFieldError } from "./file-upload.js";

const errorId = (input) => `sa-${input.id}-error`;

function showError(input, block, text) {
  showFieldError(input, errorId(input), text);
  block.querySelector(".upload-status").textContent = "";
}

const clearError = (input) => clearFieldError(input, errorId(input));

function listFile(block, listed) {
  const list = block.querySelector(".evidence-files");
  const item = document.createElement("li");
  const part = (className, text, auto) => Object.assign(document.createElement("span"), { className, textContent: text, ...(auto ? { dir: "auto" } : {}) });
  item.append(part("file-name", listed.filename, true), " · ", part("file-size", listed.size), " · ", part("file-type", listed.type));
  list.append(item);
  list.hidden = false;
  block.querySelector(".files-heading").hidden = false;
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
    status.textContent = block.dataset.msgSending;
    sendWithProgress(form, { accept: "application/json", progress, status, messages: block, onDone: (request) => {
      button.disabled = false;
      let answer = {};
      try { answer = JSON.parse(request.responseText || "{}"); } catch { answer = {}; }
      if (request.status === 201 && answer.file) {
        progress.value = 100;
        listFile(block, answer.file);
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
