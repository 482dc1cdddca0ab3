"""What the bulk import page and the versions page show, from intake's answers: plain values for the templates
(pure). The words are msgids (`N_`), translated by the template in the page's language.

What changed between two versions is intake's (services/intake/domain/submission.py: changes_since, kept
with each version): which commitments were added or removed, which fields of each changed, and whether the
co-creation report did. The page shows each changed field readably, the previous version's value beside the
new one, both taken from the two versions intake returns.
"""
from shared.irm import LANGUAGES

from services.web import government_forms, government_import_forms, government_views, labels, views

N_ = labels.N_

FIELD_NAMES = {
    "self_reported_completion": N_("Level of completion"),
    "narrative": N_("What was done, and what it achieved"),
    "evidence": N_("Evidence"),
    "title": N_("Title"),
    "full_text": N_("Full text"),
    "lead_institution": N_("Lead institution"),
    "supporting_institutions": N_("Supporting institutions"),
    "number": N_("Commitment number"),
}
CO_CREATION_NAMES = {"civil_society_participation": N_("Co-creation: how civil society took part in making and carrying out the plan"),
                     "forum_meetings": N_("Multi-stakeholder forum meetings"), "standards": N_("OGP co-creation standards")}


def megabytes(max_bytes: int) -> str:
    return government_forms.megabytes(max_bytes)


# --- the bulk import ---------------------------------------------------------------------------------
def import_page(me: dict, form: dict, language: str, csrf_token: str, max_bytes: int, errors: dict | None = None,
                result: dict | None = None, imported_for: str | None = None, plans: list | None = None) -> dict:
    person = me.get("person") or {}
    is_admin = person.get("role") == "admin"
    shown = None
    if result is not None:
        plan = government_import_forms.plan_number(form.get("plan_number"))
        shown = {"imported": int(result.get("imported") or 0), "rejected": government_import_forms.rejected_rows(result.get("rejected")),
                 "plan_number": plan, "member": imported_for,
                 # the point of contact's next step: the plan's self-assessment form, prefilled from what was imported
                 "form_href": government_views.plan_path(language, plan) if plan and not is_admin and result.get("imported") else None}
    return {"is_admin": is_admin, "member_code": None if is_admin else person.get("member_code"),
            "form": form, "errors": errors or {}, "result": shown, "csrf_token": csrf_token, "plans": sorted(plans or []),
            "file_languages": [{"value": code, "name": name} for code, name in zip(LANGUAGES, LANGUAGE_NAMES)],
            "columns": government_import_forms.COLUMNS,
            "upload": {"accept": government_import_forms.ACCEPT, "extensions": " ".join(government_import_forms.ACCEPTED_EXTENSIONS),
                       "max_bytes": max_bytes, "megabytes": megabytes(max_bytes),
                       "messages": government_import_forms.MESSAGES, "trouble": government_import_forms.TROUBLE}}


LANGUAGE_NAMES = tuple({"ar": N_("Arabic"), "fr": N_("French"), "en": N_("English")}[code] for code in LANGUAGES)


# --- the versions of a plan's self-assessment ---------------------------------------------------------
def readable(name: str, value) -> dict:
    """A field's value as the page shows it: `none` when empty, else `label` (a completion level's msgid) or
    `items` ([{"text", "lang"}]: texts per language, links, file names, institutions, numbers)."""
    shown = {"none": False, "label": None, "items": []}
    if value in (None, "", [], {}):
        return {**shown, "none": True}
    if name == "self_reported_completion":
        return {**shown, "label": labels.VALUES["completion"].get(value, str(value))}
    if isinstance(value, dict) and all(isinstance(text, str) for text in value.values()):  # a text per language
        return {**shown, "items": [{"text": text, "lang": lang} for lang, text in sorted(value.items()) if text]}
    if isinstance(value, dict):  # a report per standard
        return {**shown, "items": [{"text": f"{key}: {_compact(item)}", "lang": None} for key, item in sorted(value.items())]}
    if isinstance(value, list):
        items = []
        for item in value:
            if isinstance(item, dict):  # an evidence: a link, or an uploaded file (its name, else its id)
                items.append({"text": str(item.get("url") or item.get("filename") or item.get("file_id") or _compact(item)), "lang": None})
            else:
                items.append({"text": str(item), "lang": None})
        return {**shown, "items": items}
    return {**shown, "items": [{"text": str(value), "lang": None}]}


def _compact(value) -> str:
    """A nested value (a forum meeting, a standard's report) as one line: its fields as "name: value"."""
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_compact(item)}" for key, item in sorted(value.items()) if item not in (None, "", [], {}))
    if isinstance(value, list):
        return ", ".join(_compact(item) for item in value)
    return str(value)


def _commitment_heading(commitment: dict | None, commitment_id: str, language: str) -> dict:
    return {"commitment_id": commitment_id, "number": (commitment or {}).get("number"),
            "title": views.localized((commitment or {}).get("title"), language)}


def version_view(document: dict, previous: dict | None, language: str, time_zone: str | None, me: str | None) -> dict:
    changes = document.get("changes") or {}
    current = {c["commitment_id"]: c for c in document.get("commitments") or []}
    before = {c["commitment_id"]: c for c in (previous or {}).get("commitments") or []}
    first = not document.get("previous_version_id")
    changed = []
    for commitment_id, names in (changes.get("changed") or {}).items():
        old, new = before.get(commitment_id) or {}, current.get(commitment_id) or {}
        changed.append({**_commitment_heading(new or old, commitment_id, language),
                        "fields": [{"name": FIELD_NAMES.get(field), "raw_name": field,
                                    "old": readable(field, old.get(field)), "new": readable(field, new.get(field))}
                                   for field in names]})
    co_creation = None
    if changes.get("co_creation_changed"):
        old, new = (previous or {}).get("co_creation") or {}, document.get("co_creation") or {}
        co_creation = [{"name": CO_CREATION_NAMES.get(key), "raw_name": key, "old": readable(key, old.get(key)),
                        "new": readable(key, new.get(key))} for key in sorted(set(old) | set(new))
                       if readable(key, old.get(key)) != readable(key, new.get(key))]  # an empty list is no list
    return {
        "id": document["id"], "version": document["version"], "case_id": document.get("case_id"),
        "submitted_at": government_views.when(document.get("submitted_at"), language, time_zone),
        "submitted_by": document.get("submitted_by"), "by_me": bool(me) and document.get("submitted_by") == me,
        "first": first, "commitments": len(current), "previous_known": previous is not None,
        "added": [] if first else [_commitment_heading(current.get(cid), cid, language) for cid in changes.get("added") or []],
        "removed": [_commitment_heading(before.get(cid), cid, language) for cid in changes.get("removed") or []],
        "changed": changed, "co_creation": co_creation,
        "nothing_changed": not first and not (changes.get("added") or changes.get("removed") or changed or co_creation),
    }


def versions_page(member: dict, plan_number: int, shown: list, documents: dict, total: int, language: str,
                  me: str | None) -> dict:
    """The plan's versions, newest first (`shown`: intake's documents), each with what it changed against the
    one before (`documents`: every version fetched, by id)."""
    time_zone = member.get("time_zone")
    return {"member": views.member_view(member, language), "member_code": member["code"], "plan_number": plan_number,
            "time_zone": time_zone, "total": total,
            "versions": [version_view(d, documents.get(d.get("previous_version_id")), language, time_zone, me) for d in shown],
            "form_href": government_views.plan_path(language, plan_number)}
