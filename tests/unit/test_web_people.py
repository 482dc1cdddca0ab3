"""The operator's people page's pure parts: accounts' list of people as the page shows it (binding, state,
times in UTC, the next page's link), the invitation form's body for accounts' InvitationSchema (the binding the
role takes, and no other), and accounts' refusals (422, 409) mapped next to the fields."""
import pytest
from marshmallow import ValidationError

from services.accounts.domain import invitations
from services.accounts.schemas import MESSAGES as ACCOUNTS_MESSAGES, InvitationSchema
from services.accounts import views as accounts_views
from services.accounts.domain import signin
from services.web import people_forms as forms, people_views as views

ME = {"csrf_token": "tok", "person": {"role": "admin"}}
MEMBERS = [{"code": "TN", "names": {"fr": "Tunisie", "ar": "تونس"}}, {"code": "MA", "names": {"fr": "Maroc"}}]
EXPERTS = [{"expert_id": "exp-amal", "name": "Amal B."}]


def person(email, role="poc", state="active", **values):
    return {"person_id": f"per_{email.split('@')[0]}", "email": email, "role": role, "member_code": None, "expert_id": None,
            "language": "fr", "totp_enabled": False, "state": state, "locked_until": None,
            "invited_at": "2026-12-01T09:00:00.000Z", "activated_at": None, "last_signed_in_at": None, **values}


def posted(**values):
    form = {name: "" for name in forms.INVITE_FIELDS}
    form.update(values)
    return form


def test_the_list_shows_each_persons_binding_state_and_times_and_links_the_next_page():
    listed = {"people": [person("a@example.org", "expert", "invited", expert_id="exp-amal"),
                         person("b@example.org", member_code="TN", activated_at="2026-12-01T10:00:00.000Z",
                                last_signed_in_at="2026-12-01T11:30:00.000Z"),
                         person("c@example.org", "quality_reviewer", "locked", locked_until="2026-12-01T13:00:00.000Z"),
                         person("d@example.org", "admin", "locked")],
              "next_after": "d@example.org"}
    page = views.people_page(listed, ME, MEMBERS, EXPERTS, "fr", role="poc", after="0@example.org")
    expert, poc, locked, for_good = page["people"]
    assert expert["binding"] == {"kind": "expert", "value": "exp-amal", "href": None} and expert["activated"] is None
    assert expert["state_name"] == views.STATE_NAMES["invited"] and expert["role_name"] == "IRM expert"
    assert poc["binding"] == {"kind": "member", "value": "TN", "href": "/fr/members/TN"}
    assert poc["last_sign_in"]["text"] == "1 décembre 2026, 11:30:00 TU" and poc["language_name"] == "Français"
    assert locked["locked_until"]["iso"] == "2026-12-01T13:00:00.000Z" and for_good["locked_until"] is None
    assert locked["unlock_action"] == "/fr/operator/people/per_c/unlock"
    assert page["next_href"] == "/fr/operator/people?role=poc&after=d%40example.org"
    assert page["first_href"] == "/fr/operator/people?role=poc" and page["paged"] and page["role_name"]
    assert [m["value"] for m in page["members"]] == ["TN", "MA"] and page["members"][0]["name"] == {"text": "Tunisie", "lang": None}
    assert page["members"][1]["name"]["text"] == "Maroc" and page["experts"][0]["value"] == "exp-amal"
    assert page["invitation"] == views.blank_invitation("fr") and page["csrf_token"] == "tok"


def test_a_role_notice_or_cursor_the_page_does_not_know_is_not_shown():
    page = views.people_page({"people": [], "next_after": None}, ME, [], [], "en", role="king", notice="<script>")
    assert page["role"] == "" and page["notice"] is None and page["next_href"] is None and not page["paged"]
    invited = views.people_page({"people": [person("a@example.org")]}, ME, [], [], "en", notice="invited",
                                invited="per_a")
    assert invited["notice"] == "invited" and invited["invited_email"] == "a@example.org"


@pytest.mark.parametrize("role, chosen, sent", [
    ("poc", {"member_code": "TN", "expert_id": "exp-amal"}, {"member_code": "TN"}),
    ("expert", {"member_code": "TN", "expert_id": "exp-amal"}, {"expert_id": "exp-amal"}),
    ("quality_reviewer", {"expert_id": "exp-amal"}, {"expert_id": "exp-amal"}),
    ("quality_reviewer", {}, {}),
    ("admin", {"member_code": "TN", "expert_id": "exp-amal"}, {}),
])
def test_the_invitation_carries_the_binding_its_role_takes_and_accounts_schema_takes_it(role, chosen, sent):
    state = forms.invitation_state(posted(email=" leila@example.org ", role=role, language="fr", **chosen))
    body = forms.invitation_body(state)
    assert body == {"email": "leila@example.org", "role": role, "language": "fr", **sent}
    InvitationSchema().load(body)  # what accounts takes


def test_accounts_refusals_come_back_next_to_their_fields():
    def refused(body):
        with pytest.raises(ValidationError) as caught:
            InvitationSchema().load(body)
        return forms.field_errors(caught.value.messages)

    message = lambda errors, field: [e["message"] for e in errors[field]]  # noqa: E731
    assert message(refused({"email": "not an address", "role": "poc", "language": "fr", "member_code": "TN"}), "email") == \
        [forms.MESSAGES["email"]]
    assert message(refused({"email": "a@example.org", "role": "poc", "language": "fr"}), "member_code") == \
        [forms.MESSAGES["member_code"]]
    assert message(refused({"email": "a@example.org", "role": "expert", "language": "fr"}), "expert_id") == \
        [forms.MESSAGES["expert_id"]]
    assert message(refused({"email": "a@example.org", "role": "king", "language": "xx"}), "role") == [forms.MESSAGES["role"]]
    assert message(forms.field_errors({"member_code": ["No such member."]}), "member_code") == \
        [forms.MESSAGES["member_code_unknown"]]
    assert message(forms.field_errors({"expert_id": [ACCOUNTS_MESSAGES[invitations.BINDING_NOT_FOR_ROLE]]}), "expert_id") == \
        [forms.MESSAGES["not_for_role"]]
    assert forms.field_errors({"something_else": ["?"]}) == {"form": [{"message": forms.MESSAGES["form"], "params": {}}]}
    assert forms.field_errors({}) == {"form": [{"message": forms.MESSAGES["form"], "params": {}}]}
    assert forms.conflict_errors({"field": "email"})["email"][0]["message"] == forms.MESSAGES["email_in_use"]
    assert forms.conflict_errors({"field": "expert_id"})["expert_id"][0]["message"] == forms.MESSAGES["expert_id_taken"]
    assert forms.conflict_errors(None) == forms.conflict_errors({"field": "email"})


def test_accounts_says_invited_active_or_locked_until_a_moment_or_a_reset():
    from datetime import datetime, timedelta, timezone
    now = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)

    class Stored:
        activated_at = now

    invited = type("Invited", (), {"activated_at": None})()
    assert accounts_views.person_state(invited, signin.ALLOWED, now)["state"] == "invited"
    assert accounts_views.person_state(Stored(), signin.ALLOWED, now) == {"state": "active", "locked_until": None}
    locked = signin.may_attempt(signin.Throttle(10, now), now, signin.ACCOUNT)
    assert accounts_views.person_state(Stored(), locked, now) == {"state": "locked", "locked_until": now + timedelta(hours=1)}
    for_good = signin.may_attempt(signin.Throttle(100, now), now, signin.ACCOUNT)
    assert accounts_views.person_state(Stored(), for_good, now) == {"state": "locked", "locked_until": None}
    waiting = signin.may_attempt(signin.Throttle(6, now), now, signin.ACCOUNT)  # a wait, not a lock
    assert accounts_views.person_state(Stored(), waiting, now)["state"] == "active"
