"""Links that act once (invitations, password resets) and who may be invited with which role."""
from datetime import datetime, timedelta, timezone

import pytest

from services.accounts.domain import invitations, tokens
from services.accounts.domain.addresses import normalized_email
from shared.auth import token_digest
from shared.irm import ROLES

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def test_an_invitation_token_is_random_and_stored_only_as_its_digest():
    token, stored = tokens.issue(tokens.INVITATION, NOW)
    assert len(token) == tokens.TOKEN_CHARACTERS
    assert stored.digest == token_digest(token) and token not in repr(stored)
    assert tokens.lookup_digest(token) == stored.digest
    assert tokens.issue(tokens.INVITATION, NOW)[0] != token


def test_invitations_live_seven_days_and_resets_one_hour_unless_told():
    assert tokens.issue(tokens.INVITATION, NOW)[1].expires_at == NOW + timedelta(days=7)
    assert tokens.issue(tokens.PASSWORD_RESET, NOW)[1].expires_at == NOW + timedelta(hours=1)
    assert tokens.issue(tokens.INVITATION, NOW, lifetime_seconds=60)[1].expires_at == NOW + timedelta(minutes=1)
    for purpose, seconds in (("welcome", None), (tokens.INVITATION, 0)):
        with pytest.raises(ValueError):
            tokens.issue(purpose, NOW, seconds)


def test_a_link_is_ok_until_it_expires():
    _, stored = tokens.issue(tokens.INVITATION, NOW)
    assert tokens.decide(stored, tokens.INVITATION, NOW + timedelta(days=7, seconds=-1)) == tokens.OK
    assert tokens.decide(stored, tokens.INVITATION, NOW + timedelta(days=7)) == tokens.EXPIRED


def test_a_link_works_once():
    _, stored = tokens.issue(tokens.PASSWORD_RESET, NOW)
    spent = tokens.used(stored, NOW + timedelta(minutes=5))
    assert spent.used_at == NOW + timedelta(minutes=5)
    assert tokens.decide(spent, tokens.PASSWORD_RESET, NOW + timedelta(minutes=6)) == tokens.USED
    assert tokens.decide(spent, tokens.PASSWORD_RESET, NOW + timedelta(days=2)) == tokens.USED
    with pytest.raises(ValueError):
        tokens.used(spent, NOW + timedelta(minutes=6))
    with pytest.raises(ValueError):
        tokens.used(stored, NOW + timedelta(hours=2))  # expired


def test_an_unknown_link_or_one_for_another_purpose_is_unknown():
    _, reset = tokens.issue(tokens.PASSWORD_RESET, NOW)
    assert tokens.decide(None, tokens.INVITATION, NOW) == tokens.UNKNOWN
    assert tokens.decide(reset, tokens.INVITATION, NOW) == tokens.UNKNOWN  # a reset link does not accept an invitation


@pytest.mark.parametrize("text", ["", "short", "a" * 42, "a" * 44, "a" * 42 + "/", "a" * 42 + "é"])
def test_text_that_cannot_be_a_token_is_not_looked_up(text):
    assert tokens.lookup_digest(text) is None


def test_every_role_of_the_one_vocabulary_says_what_it_is_bound_to():
    assert tuple(invitations.BINDINGS) == ROLES
    assert set(invitations.TOTP_REQUIRED) <= set(ROLES)


@pytest.mark.parametrize("role, member_code, expert_id, problems", [
    ("poc", "TN", None, {}),
    ("poc", None, None, {"member_code": invitations.BINDING_MISSING}),
    ("poc", "TN", "exp_1", {"expert_id": invitations.BINDING_NOT_FOR_ROLE}),
    ("expert", None, "exp_1", {}),
    ("expert", None, None, {"expert_id": invitations.BINDING_MISSING}),
    ("expert", "TN", "exp_1", {"member_code": invitations.BINDING_NOT_FOR_ROLE}),
    ("quality_reviewer", None, None, {}),
    ("quality_reviewer", None, "exp_1", {}),  # the researcher they also are: their own drafts are known
    ("quality_reviewer", "TN", None, {"member_code": invitations.BINDING_NOT_FOR_ROLE}),
    ("admin", None, None, {}),
    ("admin", "TN", None, {"member_code": invitations.BINDING_NOT_FOR_ROLE}),
    ("system", None, None, {"role": invitations.UNKNOWN_ROLE}),
])
def test_each_role_needs_its_binding_and_no_other(role, member_code, expert_id, problems):
    assert invitations.invitation_problems(role, "fr", member_code=member_code, expert_id=expert_id) == problems


def test_the_language_is_one_of_the_irms():
    assert invitations.invitation_problems("admin", "de") == {"language": invitations.UNKNOWN_LANGUAGE}
    assert invitations.invitation_problems("admin", "ar") == {}


@pytest.mark.parametrize("role, with_totp, without_totp", [
    ("admin", True, False), ("quality_reviewer", True, False), ("poc", True, True), ("expert", True, True)])
def test_admins_and_quality_reviewers_complete_sign_in_only_with_totp(role, with_totp, without_totp):
    assert invitations.needs_totp(role) is not without_totp
    assert invitations.may_complete_sign_in(role, totp_enabled=True) is with_totp
    assert invitations.may_complete_sign_in(role, totp_enabled=False) is without_totp


def test_an_address_has_one_spelling():
    assert normalized_email("  Amina.BenAli@Gov.Example ") == "amina.benali@gov.example"
    assert normalized_email("Ame\u0301lie@gov.example") == normalized_email("Am\u00e9lie@gov.example")
