"""How accounts show things: a person, who is calling, a new invitation, personal tokens, the security log,
and the one answer a refused sign-in gets."""
from datetime import timedelta

from shared.clock import iso
from shared.http import ApiError, Unprocessable, error_response
from services.mail.domain import notices

# The page (services/web, a later step) that opens an invitation or a reset link; the token rides in the
# query so the page works with JavaScript off.
LINK_PAGES = {"invitation": "/accounts/invitation", "password_reset": "/accounts/password-reset"}


class SignInRefused(ApiError):
    """The e-mail address, the password or the code is not right: which one, nobody is told."""

    status, code = 401, "sign_in_refused"


class SignInTryLater(ApiError):
    """Too many failed sign-ins for this address or from this client: wait (or reset the password by e-mail)."""

    status, code = 429, "sign_in_try_later"

    def __init__(self, wait_seconds):
        message = ("Too many failed sign-ins: try again later, or reset your password by e-mail." if wait_seconds is None
                   else f"Too many failed sign-ins: try again in {wait_seconds} s, or reset your password by e-mail.")
        super().__init__(message, {"retry_after_seconds": wait_seconds})
        self.retry_after = wait_seconds

    def response(self, correlation_id=None):
        answer = error_response(self.status, self.code, self.message, self.details, correlation_id)
        if self.retry_after is not None:
            answer.headers["Retry-After"] = str(self.retry_after)
        return answer


class LinkNotUsable(ApiError):
    """The same answer for a link that never existed, was used, or expired (the security log tells them apart)."""

    status, code = 410, "link_not_usable"

    def __init__(self):
        super().__init__("This link no longer works: ask for a new one.")


REFUSED_MESSAGE = "The e-mail address, password or code is not right."


def current_password_wrong() -> Unprocessable:
    return Unprocessable("The current password is not right.", {"current_password": ["This is not your current password."]})


def link_url(public_base_url: str, purpose: str, token: str) -> str:
    return f"{public_base_url.rstrip('/')}{LINK_PAGES[purpose]}?token={token}"


def person_view(person) -> dict:
    return {"person_id": person.person_id, "email": person.email, "role": person.role,
            "member_code": person.member_code, "expert_id": person.expert_id, "language": person.language,
            "totp_enabled": bool(person.totp_secret), "active": person.activated_at is not None}


def me_view(principal, person, csrf_token=None) -> dict:
    """Who is calling: the principal the rules see, the account behind it (with the mails it turned off),
    and a session's CSRF token."""
    return {"role": principal.role, "subject": principal.subject, "member_code": principal.member_code,
            "authenticated_by": "session" if principal.by_session else "token",
            "person": person_view(person) if person is not None else None, "csrf_token": csrf_token,
            "mail": mail_preferences_view(person.role, person.mail_opt_out or []) if person is not None else None}


def mail_preferences_view(role: str, turned_off) -> dict:
    """The stage notices a person of this role receives and may turn off (in the account page's order), and those they did."""
    return {"optional": list(notices.kinds_for_role(role)), "turned_off": list(turned_off)}


def invitation_view(person, token, expires_at, public_base_url) -> dict:
    """What the admin gets back, once: the token exists nowhere else in clear."""
    return {"person": person_view(person), "token": token, "expires_at": iso(expires_at),
            "link": link_url(public_base_url, "invitation", token)}


def acceptance_view(person, provisioning_uri=None, secret=None) -> dict:
    if provisioning_uri is None:
        return {"status": "active", "person": person_view(person)}
    return {"status": "totp_required", "person": person_view(person), "totp_provisioning_uri": provisioning_uri,
            "totp_secret": secret}


def signed_in_view(person, csrf_token, expires_at) -> dict:
    return {"person": person_view(person), "csrf_token": csrf_token, "session_ends_at": iso(expires_at)}


def token_view(record) -> dict:
    return {"token_id": record.digest, "label": record.label, "role": record.role,
            "created_at": iso(record.created_at), "revoked_at": iso(record.revoked_at) if record.revoked_at else None}


def created_token_view(record, token) -> dict:
    return {**token_view(record), "token": token}


def security_entry_view(entry) -> dict:
    return {"entry_id": entry.entry_id, "kind": entry.kind, "at": iso(entry.at), "actor": dict(entry.actor),
            "subject": entry.subject, "client": entry.client, "reason": entry.reason, "details": dict(entry.details or {}),
            "correlation_id": entry.correlation_id}


def security_log_page(entries, limit) -> dict:
    """A page of the log, newest first, and the cursor of the next (None: this is the last)."""
    items = [security_entry_view(entry) for entry in entries[:limit]]
    more = len(entries) > limit
    return {"entries": items, "next_before": items[-1]["entry_id"] if more else None}


# What the people list says of each person's state (the pages translate it).
INVITED, ACTIVE, LOCKED = "invited", "active", "locked"


def person_state(person, permission, now) -> dict:
    """invited (the invitation not yet accepted), active, or locked (until when; None: until a reset or an admin's
    unlock), as signin.may_attempt judges the address now."""
    if person.activated_at is None:
        return {"state": INVITED, "locked_until": None}
    if permission.locked:
        until = None if permission.wait_seconds is None else now + timedelta(seconds=permission.wait_seconds)
        return {"state": LOCKED, "locked_until": until}
    return {"state": ACTIVE, "locked_until": None}


def listed_person_view(person, state: dict) -> dict:
    return {"person_id": person.person_id, "email": person.email, "role": person.role,
            "member_code": person.member_code, "expert_id": person.expert_id, "language": person.language,
            "totp_enabled": bool(person.totp_secret), "state": state["state"],
            "locked_until": iso(state["locked_until"]) if state["locked_until"] else None,
            "invited_at": iso(person.invited_at or person.created_at),
            "activated_at": iso(person.activated_at) if person.activated_at else None,
            "last_signed_in_at": iso(person.last_signed_in_at) if person.last_signed_in_at else None}


def people_page(listed, states: dict, limit: int) -> dict:
    """A page of people in address order, and the cursor of the next (None: this is the last)."""
    items = [listed_person_view(person, states[person.person_id]) for person in listed[:limit]]
    return {"people": items, "next_after": items[-1]["email"] if len(listed) > limit else None}


def unlocked_view(person) -> dict:
    return {"person_id": person.person_id, "unlocked": True}
def rejected_message_summary(record) -> dict:
    """A rejected message as the operator's list shows it: what it was, whose consumer refused it, why, when."""
    message = dict(record.message or {})
    return {"id": str(record.id), "event_id": message.get("event_id"), "event_type": message.get("event_type"),
            "correlation_id": message.get("correlation_id"), "consumer": record.consumer,
            "service": record.consumer.split(".", 1)[0], "kind": record.kind, "reason": record.reason,
            "received_at": iso(record.received_at), "replayed": bool(record.replayed),
            "replayed_at": iso(record.replayed_at) if record.replayed_at else None, "replayed_by": record.replayed_by}


def rejected_message_view(record) -> dict:
    """One rejected message whole: its summary, the contract's errors, the message as received (or its raw text)."""
    return {**rejected_message_summary(record), "errors": dict(record.errors or {}), "message": dict(record.message or {}),
            "raw": record.raw}


def rejected_messages_page(records, limit) -> dict:
    """A page, newest first, and the cursor of the next (None: this is the last)."""
    items = [rejected_message_summary(record) for record in records[:limit]]
    return {"messages": items, "next_before": items[-1]["id"] if len(records) > limit else None}
