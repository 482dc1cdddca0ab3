"""The operator's replay form: what it posts, and accounts' refusal as a message in the page's language.
Pure (no nameko, no HTTP client).

No rule of replaying lives here: accounts' API decides (services/accounts/operator_messages.py: a message is
replayed once, a second replay is `409 already_replayed`; one no longer on the dead-letter queue,
`409 not_parked`). The form carries only the session's `csrf_token`.
"""
from services.web.form_posts import N_

REPLAY_FIELDS = ("csrf_token",)

MESSAGES = {
    "already_replayed": N_("This message was replayed already: it was not sent again."),
    "not_parked": N_("This message is no longer on the dead-letter queue (replayed from irmctl?): nothing was sent."),
    "conflict": N_("This message cannot be replayed now: nothing was sent."),
}


def refusal(api_body: dict) -> dict:
    """Accounts' 409 as the form's error: {"form": [{"message": msgid, "params": {}}]}."""
    code = (api_body.get("error") or {}).get("code")
    return {"form": [{"message": MESSAGES.get(code, MESSAGES["conflict"]), "params": {}}]}
