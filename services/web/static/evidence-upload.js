// The self-assessment form's evidence files, uploaded without leaving the page (progressive
// enhancement: without this script each commitment's upload form posts and comes back listed).
// Before sending: the file's name must be of an accepted type and its size within the limit, said
// next to the field. While sending: a <progress> with its label, and "Uploaded 40%" in the live
// region. After: the file listed under its commitment, as the page lists it; a refusal (intake's:
// the type judged by content, the size) next to the field. Every word comes from the page, in its
// language (data-msg-* on each commitment's upload block).

function fill(template, values) {
  return Object.entries(values).reduce((text, [key, value]) => text.split(`{${key}}`).join(value), template);
}

function showError(input, block, text) {
  const id = `sa-${input.id}-error`;
  let error = document.getElementById(id);
  if (!error) {
    error = document.createElement("div");
    error.className = "field-error";
    error.id = id;
    error.setAttribute("role", "alert"); // said as it appears: the status line below stays for the upload's own progress
    input.insertAdjacentElement("afterend", error);
  }
  error.replaceChildren(Object.assign(document.createElement("p"), { textContent: text }));
  input.setAttribute("aria-invalid", "true");
  const described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
  if (!described.includes(id)) input.setAttribute("aria-describedby", [...described, id].join(" "));
  block.querySelector(".upload-status").textContent = "";
}

function clearError(input) {
  const id = `sa-${input.id}-error`;
  document.getElementById(id)?.remove();
  input.removeAttribute("aria-invalid");
  const described = (input.getAttribute("aria-describedby") || "").split(" ").filter((part) => part && part !== id);
  if (described.length) input.setAttribute("aria-describedby", described.join(" "));
  else input.removeAttribute("aria-describedby");
}

function refusalBeforeSending(file, block) {
  if (!file) return block.dataset.msgNoFile;
  const extension = (file.name.includes(".") ? file.name.split(".").pop() : "").toLowerCase();
  if (!block.dataset.extensions.split(" ").includes(extension)) return block.dataset.msgType;
  if (file.size > Number(block.dataset.maxBytes)) return block.dataset.msgTooLarge;
  return null;
}

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
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("Accept", "application/json");
    progress.value = 0;
    progressBox.hidden = false;
    button.disabled = true;
    status.textContent = block.dataset.msgSending;
    let said = -1;
    request.upload.addEventListener("progress", (progressEvent) => {
      if (!progressEvent.lengthComputable) return;
      const percent = Math.floor((100 * progressEvent.loaded) / progressEvent.total);
      progress.value = percent;
      if (percent >= said + 10 || percent === 100) { // the live region says it every tenth, not at every event
        said = percent;
        status.textContent = fill(block.dataset.msgProgress, { percent });
      }
    });
    request.addEventListener("loadend", () => {
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
    });
    request.send(new FormData(form));
  });
}

document.querySelectorAll("form.evidence-upload-form").forEach(enhance);
