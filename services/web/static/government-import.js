// The bulk import page, sent without leaving it (progressive enhancement: without this script the form
// posts and the answer is the page with the import's result). Before sending: the file's name must be a
// CSV's or an XLSX's and its size within the limit, said next to the field. While sending: a <progress>
// with its label, and "Sent 40%" in the live region, then "its rows are being imported". After: the
// answer's own page (how many imported, every rejected row, or the refusal next to its field) put in
// place of this one's content. Every word comes from the page, in its language (data-msg-* on the form).

function fill(template, values) {
  return Object.entries(values).reduce((text, [key, value]) => text.split(`{${key}}`).join(value), template);
}

function showError(input, text) {
  const id = "im-file-error";
  let error = document.getElementById(id);
  if (!error) {
    error = document.createElement("div");
    error.className = "field-error";
    error.id = id;
    input.insertAdjacentElement("afterend", error);
  }
  error.setAttribute("role", "alert");
  error.replaceChildren(Object.assign(document.createElement("p"), { textContent: text }));
  input.setAttribute("aria-invalid", "true");
  const described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
  if (!described.includes(id)) input.setAttribute("aria-describedby", [...described, id].join(" "));
}

function clearError(input) {
  const id = "im-file-error";
  document.getElementById(id)?.remove();
  input.removeAttribute("aria-invalid");
  const described = (input.getAttribute("aria-describedby") || "").split(" ").filter((part) => part && part !== id);
  if (described.length) input.setAttribute("aria-describedby", described.join(" "));
  else input.removeAttribute("aria-describedby");
}

function refusalBeforeSending(file, form) {
  if (!file) return form.dataset.msgNoFile;
  const extension = (file.name.includes(".") ? file.name.split(".").pop() : "").toLowerCase();
  if (!form.dataset.extensions.split(" ").includes(extension)) return form.dataset.msgType;
  if (file.size > Number(form.dataset.maxBytes)) return form.dataset.msgTooLarge;
  return null;
}

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
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.responseType = "document";
    request.setRequestHeader("Accept", "text/html");
    progress.value = 0;
    progressBox.hidden = false;
    button.disabled = true;
    status.textContent = form.dataset.msgSending;
    form.dataset.state = "sending";
    let said = -1;
    request.upload.addEventListener("progress", (progressEvent) => {
      if (!progressEvent.lengthComputable) return;
      const percent = Math.floor((100 * progressEvent.loaded) / progressEvent.total);
      progress.value = percent;
      if (percent >= said + 10 || percent === 100) { // the live region says it every tenth, not at every event
        said = percent;
        status.textContent = fill(form.dataset.msgProgress, { percent });
      }
    });
    request.upload.addEventListener("load", () => {
      progress.value = 100;
      status.textContent = form.dataset.msgImporting;
    });
    request.addEventListener("loadend", () => {
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
    });
    request.send(new FormData(form));
  });
}

enhance();
