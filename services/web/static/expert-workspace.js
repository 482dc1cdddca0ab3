// The expert's case workspace, enhanced (everything works without it; review decides either way):
// - a commitment rated not_verifiable gets no other indicator: they are hidden and disabled (so not sent),
//   what was typed in them kept in the page;
// - what is typed in a form is kept in this tab's sessionStorage, per case and commitment, until it is
//   saved: after a session timeout and a new sign-in, it is put back, with a notice. A successful save
//   (or taking the other version of a conflict) clears it.
const PREFIX = "irm-draft:";
const params = new URLSearchParams(location.search);
const done = params.get("done");
const caseId = (document.getElementById("case-id") || {}).textContent;

function storageOk() {
  try { sessionStorage.setItem(PREFIX + "probe", "1"); sessionStorage.removeItem(PREFIX + "probe"); return true; }
  catch (e) { return false; }
}
const canStore = storageOk();

if (canStore && caseId) {
  if ((done === "saved" || done === "took_theirs") && params.get("commitment")) sessionStorage.removeItem(PREFIX + caseId + ":" + params.get("commitment"));
  if (done === "plan_saved") sessionStorage.removeItem(PREFIX + caseId + ":plan");
  if (done === "submitted") {
    for (let n = sessionStorage.length - 1; n >= 0; n--) {
      const key = sessionStorage.key(n);
      if (key && key.startsWith(PREFIX + caseId + ":")) sessionStorage.removeItem(key);
    }
  }
}

function fieldsOf(form) {
  return [...form.elements].filter((el) => el.name && !["csrf_token", "version", "base", "resolve"].includes(el.name) && el.type !== "submit");
}

function snapshot(form) {
  const values = {};
  for (const el of fieldsOf(form)) {
    if (el.type === "radio") { if (el.checked) values[el.name] = el.value; else if (!(el.name in values)) values[el.name] = ""; }
    else if (el.type === "checkbox") values[el.name] = el.checked ? el.value : "";
    else values[el.name] = el.value;
  }
  return values;
}

function restore(form, values) {
  for (const el of fieldsOf(form)) {
    if (!(el.name in values)) continue;
    if (el.type === "radio") el.checked = values[el.name] === el.value;
    else if (el.type === "checkbox") el.checked = values[el.name] === el.value;
    else el.value = values[el.name];
  }
}

function followVerifiability(form) {
  const beyond = form.querySelector("[data-beyond]");
  if (!beyond) return;
  const notVerifiable = form.querySelector("input[name=verifiability][value=not_verifiable]");
  const hide = Boolean(notVerifiable && notVerifiable.checked);
  beyond.hidden = hide;
  for (const el of beyond.querySelectorAll("input, textarea")) el.disabled = hide;
}

for (const form of document.querySelectorAll("form[data-draft-key]")) {
  const key = PREFIX + form.dataset.draftKey;
  if (canStore) {
    const kept = sessionStorage.getItem(key);
    if (kept) {
      let values = null;
      try { values = JSON.parse(kept); } catch (e) { sessionStorage.removeItem(key); }
      if (values && JSON.stringify(values) !== JSON.stringify(snapshot(form))) {
        restore(form, values);
        const notice = form.querySelector("[data-restored-notice]");
        if (notice) notice.hidden = false;
      }
    }
    const keep = () => sessionStorage.setItem(key, JSON.stringify(snapshot(form)));
    form.addEventListener("input", keep);
    form.addEventListener("change", keep);
  }
  form.addEventListener("change", () => followVerifiability(form));
  followVerifiability(form);
}

for (const link of document.querySelectorAll("[data-take-theirs]")) {
  link.addEventListener("click", () => { if (canStore) sessionStorage.removeItem(PREFIX + link.dataset.takeTheirs); });
}

const conflict = document.querySelector(".conflict");
if (conflict) conflict.focus();
