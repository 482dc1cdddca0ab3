"""What the operator's people page shows, from accounts' GET /api/v1/people as an admin reads it and the
registry's members and experts (the invitation form's choices): plain values for the templates (pure). The words
are msgids (`N_`), translated by the template in the page's language.

The list: every person in address order, a bounded page (accounts' own, PAGE_SIZE) with a link to the next
(accounts' cursor), of one role when filtered; each with their role, binding (a poc's member, an expert's or a
quality reviewer's registry entry), language, state (invited, active, locked until a moment in UTC, or until a
reset or an unlock) and times (invited, activated, last signed in) in UTC.
"""
from urllib.parse import urlencode

from services.web import i18n, views
from services.web.account_views import LANGUAGE_NAMES, ROLE_NAMES
from services.web.form_posts import N_
from shared.irm import LANGUAGES, ROLES

PEOPLE = "/operator/people"
PAGE_SIZE = 50
STATE_NAMES = {"invited": N_("Invited: not signed in yet"), "active": N_("Active"), "locked": N_("Sign-in locked")}
NOTICES = ("invited", "unlocked")


def people_path(language: str) -> str:
    return f"/{language}{PEOPLE}"


def _moment(iso_moment: str | None, language: str) -> dict | None:
    if not iso_moment:
        return None
    return {"iso": iso_moment, "text": i18n.moment(i18n.from_iso(iso_moment), language)}


def person_view(person: dict, language: str) -> dict:
    binding = ({"kind": "member", "value": person["member_code"], "href": f"/{language}/members/{person['member_code']}"}
               if person.get("member_code") else
               {"kind": "expert", "value": person["expert_id"], "href": None} if person.get("expert_id") else None)
    return {"person_id": person["person_id"], "email": person["email"], "role": person["role"],
            "role_name": ROLE_NAMES.get(person["role"], person["role"]), "binding": binding,
            "language": person["language"], "language_name": LANGUAGE_NAMES.get(person["language"], person["language"]),
            "state": person["state"], "state_name": STATE_NAMES.get(person["state"], person["state"]),
            "locked_until": _moment(person.get("locked_until"), language),
            "invited": _moment(person.get("invited_at"), language), "activated": _moment(person.get("activated_at"), language),
            "last_sign_in": _moment(person.get("last_signed_in_at"), language),
            "unlock_action": f"{people_path(language)}/{person['person_id']}/unlock"}


def member_choice(member: dict, language: str) -> dict:
    name = views.localized(member.get("names") or {}, language) or {"text": member["code"], "lang": None}
    return {"value": member["code"], "name": name}


def expert_choice(expert: dict) -> dict:
    return {"value": expert["expert_id"], "name": {"text": expert.get("name") or expert["expert_id"], "lang": None}}


def next_href(language: str, role: str | None, after: str | None) -> str | None:
    if not after:
        return None
    query = urlencode([(k, v) for k, v in (("role", role), ("after", after)) if v])
    return f"{people_path(language)}?{query}"


def blank_invitation(language: str) -> dict:
    return {"email": "", "role": "poc", "member_code": "", "expert_id": "", "language": language}


def people_page(listed: dict, me: dict, members: list, experts: list, language: str, role: str | None = None,
                after: str | None = None, notice: str | None = None, invited: str | None = None, state: dict | None = None,
                errors: dict | None = None, unlock_errors_for: str | None = None, unlock_errors: dict | None = None) -> dict:
    """The list (one page, filtered by `role`), the invitation form (`state` as posted, accounts' refusal in
    `errors`) and the notice of what was just done (`invited`: the new person's id, named when on this page)."""
    people = [person_view(p, language) for p in listed.get("people") or []]
    for person in people:
        person["errors"] = (unlock_errors or {}) if person["person_id"] == unlock_errors_for else {}
    invited_email = next((p["email"] for p in people if p["person_id"] == invited), None) if invited else None
    return {"people": people, "role": role if role in ROLES else "", "role_name": ROLE_NAMES.get(role, ""),
            "roles": [{"value": r, "name": ROLE_NAMES[r]} for r in ROLES],
            "languages_offered": [{"value": l, "name": LANGUAGE_NAMES[l]} for l in LANGUAGES],
            "members": [member_choice(m, language) for m in members], "experts": [expert_choice(e) for e in experts],
            "next_href": next_href(language, role if role in ROLES else None, listed.get("next_after")),
            "first_href": people_path(language) + (f"?{urlencode({'role': role})}" if role in ROLES else ""),
            "paged": bool(after), "page_size": PAGE_SIZE,
            "notice": notice if notice in NOTICES else None, "invited_email": invited_email,
            "invitation": state or blank_invitation(language), "errors": errors or {},
            "action": people_path(language), "csrf_token": me.get("csrf_token") or ""}
