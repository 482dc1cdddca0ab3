"""What the sign-in and account pages show, from the accounts API's answers: plain values for the
templates (pure). The words are msgids (`N_`), translated by the template."""
from shared import irm


def N_(message: str) -> str:
    return message


ROLE_NAMES = dict(zip(irm.ROLES, (N_("Government point of contact"), N_("IRM expert"), N_("Quality reviewer"),
                                  N_("Administrator"))))
LANGUAGE_NAMES = {"ar": "العربية", "fr": "Français", "en": "English"}
# The stage notices one may turn off (services/mail/domain/notices.py OPTIONAL), as the account page names them.
MAIL_NAMES = {
    "case_assigned": N_("An expert was assigned to review our self-assessment"),
    "government_review_opened": N_("The draft report is ready for the government's comments"),
    "public_comment_opened": N_("The draft report is open for public comment"),
    "finding_published": N_("The report is published"),
    "correction_opened": N_("A published report is being corrected"),
    "quality_review_waiting": N_("A review waits for quality review"),
    "deadline_reminder": N_("A deadline of my review is near"),
    "deadline_missed": N_("A review was taken back after its deadline"),
}


def mail_field(kind: str) -> str:
    return f"mail_{kind}"


def mail_choices(me: dict) -> list:
    """The account page's mail boxes: each stage notice the person's role receives (accounts' answer), ticked unless turned off."""
    mail = me.get("mail") or {"optional": [], "turned_off": []}
    turned_off = set(mail["turned_off"])
    return [{"kind": kind, "field": mail_field(kind), "name": MAIL_NAMES.get(kind, kind), "wanted": kind not in turned_off}
            for kind in mail["optional"]]


def viewer_view(person) -> dict:
    """Who the header says is signed in (a Person document or the API's person view)."""
    get = person.get if isinstance(person, dict) else lambda name: getattr(person, name, None)
    return {"email": get("email"), "role": get("role"), "role_name": ROLE_NAMES.get(get("role"), get("role"))}


def account_page(me: dict, tokens: list, created: dict | None = None, errors: dict | None = None,
                 notice: str | None = None, mail_saved: bool = False) -> dict:
    """The account page: who you are, your personal tokens (the one just created shown once), the forms' CSRF token."""
    person = me.get("person") or {}
    binding = ({"kind": "member", "value": person["member_code"]} if person.get("member_code") else
               {"kind": "expert", "value": person["expert_id"]} if person.get("expert_id") else None)
    return {"person": person, "role_name": ROLE_NAMES.get(person.get("role"), person.get("role")),
            "binding": binding, "language_name": LANGUAGE_NAMES.get(person.get("language"), person.get("language")),
            "csrf_token": me.get("csrf_token") or "",
            "tokens": [t for t in tokens if not t.get("revoked_at")],
            "revoked_tokens": [t for t in tokens if t.get("revoked_at")],
            "created": created, "errors": errors or {}, "notice": notice,
            "mail_choices": mail_choices(me), "mail_saved": mail_saved,
            "viewer": viewer_view(person)}
