// What the pages' file uploads share (evidence-upload.js, government-import.js): the checks before a
// byte is sent, a refusal said next to its field, and the upload with its progress said in words.
// Every word comes from the page, in its language (the data-msg-* attributes named below).

export function fill(template, values) {
  return Object.entries(values).reduce((text, [key, value]) => text.split(`{${key}}`).join(value), template);
}

// The refusal in the element `id` right after the input, said as it appears (role=alert), and the
// input marked invalid and described by it.
export function showFieldError(input, id, text) {
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

export function clearFieldError(input, id) {
  document.getElementById(id)?.remove();
  input.removeAttribute("aria-invalid");
  const described = (input.getAttribute("aria-describedby") || "").split(" ").filter((part) => part && part !== id);
  if (described.length) input.setAttribute("aria-describedby", described.join(" "));
  else input.removeAttribute("aria-describedby");
}

// Why `file` cannot be sent, or null: none chosen, a type the page does not take (by its name's
// extension), or over the size limit. `messages`: the element whose data-extensions, data-max-bytes
// and data-msg-no-file / -type / -too-large say them.
export function refusalBeforeSending(file, messages) {
  const data = messages.dataset;
  if (!file) return data.msgNoFile;
  const extension = (file.name.includes(".") ? file.name.split(".").pop() : "").toLowerCase();
  if (!data.extensions.split(" ").includes(extension)) return data.msgType;
  if (file.size > Number(data.maxBytes)) return data.msgTooLarge;
  return null;
}

// POST the form with XMLHttpRequest (fetch reports no upload progress): the <progress> follows the
// bytes sent and the live `status` says "… 40%" every tenth (data-msg-progress of `messages`), not at
// every event. `accept`, `responseType` as the caller reads the answer; `onSent` when the last byte
// left, `onDone(request)` when the answer is in (or the connection failed: status 0).
export function sendWithProgress(form, { accept, responseType = "", progress, status, messages, onSent, onDone }) {
  const request = new XMLHttpRequest();
  request.open("POST", form.action);
  if (responseType) request.responseType = responseType;
  request.setRequestHeader("Accept", accept);
  progress.value = 0;
  let said = -1;
  request.upload.addEventListener("progress", (progressEvent) => {
    if (!progressEvent.lengthComputable) return;
    const percent = Math.floor((100 * progressEvent.loaded) / progressEvent.total);
    progress.value = percent;
    if (percent >= said + 10 || percent === 100) {
      said = percent;
      status.textContent = fill(messages.dataset.msgProgress, { percent });
    }
  });
  if (onSent) request.upload.addEventListener("load", onSent);
  request.addEventListener("loadend", () => onDone(request));
  request.send(new FormData(form));
}
