// The bulk import page, sent without leaving it (progressive enhancement: without this script the form
// posts and the answer is the page with the import's result). Before sending: the file's name must be a
// CSV's or an XLSX's and its size within the limit, said next to the field. While sending: a <progress>
// with its label, and "Sent 40%" in the live region, then "its rows are being imported". After: the
// answer's own page (how many imported, every rejected row, or the refusal next to its field) put in
// place of this one's content. Every word comes from the page, in its language (data-msg-* on the form).

import { clearFieldError, refusalBeforeSending, sendWithProgress, showFieldError } from "./file-upload.js";

const ERROR_ID = "im-file-error";
const showError = (input, text) => showFieldError(input, ERROR_ID, text);
const clearError = (input) => clearFieldError(input, ERROR_ID);

function enhance() {
  const form = document.getElementById("import-form");
  const input = document.getElementById("im-file");
  if (!form || !input) return;
  const progressBox = document.getElementById("import-progress");
  const progress = document.getElementById("import-progress-bar");
  const status = document.getElementById("import-status");
  const button = document.getElementById("import-button");
  input.addEventListener("change", () => {
    clearError(input);
    const refusal = refusalBeforeSending(input.files[0], form);
    if (refusal && input.files[0]) showError(input, refusal);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearError(input);
    const refusal = refusalBeforeSending(input.files[0], form);
    if (refusal) {
      showError(input, refusal);
      input.focus();
      return;
    }
    progressBox.hidden = false;
    button.disabled = true;
    status.textContent = form.dataset.msgSending;
    form.dataset.state = "sending";
    const onSent = () => {
      progress.value = 100;
      status.textContent = form.dataset.msgImporting;
    };
    sendWithProgress(form, { accept: "text/html", responseType: "document", progress, status, messages: form, onSent, onDone: (request) => {
      const answer = request.response;
      const main = answer && answer.getElementById ? answer.getElementById("main") : null;
      const ours = document.getElementById("main");
      if (request.responseURL && request.responseURL !== form.action) { // sent elsewhere (signed out: the sign-in page)
        window.location.assign(request.responseURL);
        return;
      }
      if (!main || !ours) { // no page came back (the service away): the form stays, and says so
        button.disabled = false;
        progressBox.hidden = true;
        form.dataset.state = "refused";
        showError(input, form.dataset.msgTrouble);
        return;
      }
      // the answer's page in place of this one's: the result, the form with its refusals, or a refusal page
      ours.replaceChildren(...Array.from(main.childNodes, (node) => document.importNode(node, true)));
      document.title = answer.title;
      enhance();
      const again = document.getElementById("import-form");
      if (again) again.dataset.state = document.getElementById("import-result") ? "done" : "refused";
      (document.getElementById("import-result") || document.getElementById("import-errors") || ours).focus();
    } });
  });
}

enhance();
