// The expert's decline forms: the affiliation field is shown once "conflict of interest" is ticked,
// and then required (review refuses a conflict without it all the same). Without JavaScript both
// fields are shown, the hint saying when the affiliation is required.
for (const form of document.querySelectorAll("form.decline-form")) {
  const conflict = form.querySelector("input[name=conflict]");
  const field = form.querySelector("[data-affiliation-field]");
  const input = field.querySelector("input[name=affiliation]");
  const follow = () => {
    field.hidden = !conflict.checked;
    input.required = conflict.checked;
  };
  conflict.addEventListener("change", follow);
  follow();
}
