"""irmctl sets a member's time zone on the real database, refuses a bad one saying why, and intake's
overview serves it (what the government's pages state their moments in)."""
import pytest

from cli import irmctl
from shared.persistence.documents import Member
from services.intake import views as intake_views

pytestmark = pytest.mark.integration


def test_irmctl_adds_updates_and_clears_a_member_s_time_zone(db, monkeypatch, capsys):
    monkeypatch.setenv("MONGODB_URI", db)
    assert irmctl.main(["member", "add", "TN", "--kind", "national", "--name", "fr=Tunisie", "--time-zone", "Africa/Tunis"]) in (0, None)
    assert "time zone Africa/Tunis" in capsys.readouterr().out
    assert Member.objects(code="TN").first().time_zone == "Africa/Tunis"

    assert irmctl.main(["member", "update", "TN", "--time-zone", "Africa/Tunis/"]) not in (0, None)
    said = capsys.readouterr()
    assert "'Africa/Tunis/' is not an IANA time zone: give one such as Africa/Tunis, Europe/Paris or UTC." in said.err + said.out
    assert Member.objects(code="TN").first().time_zone == "Africa/Tunis"  # unchanged

    assert irmctl.main(["member", "update", "TN", "--time-zone", "Europe/Paris"]) in (0, None)
    member = Member.objects(code="TN").first()
    assert member.time_zone == "Europe/Paris" and member.names == {"fr": "Tunisie"}
    assert intake_views.member_plans(member, {}, {}, {}, {})["member"]["time_zone"] == "Europe/Paris"

    assert irmctl.main(["member", "update", "TN", "--no-time-zone"]) in (0, None)
    member = Member.objects(code="TN").first()
    assert member.time_zone is None and "time_zone" not in member.as_contract()
    assert intake_views.member_plans(member, {}, {}, {}, {})["member"]["time_zone"] is None

    assert irmctl.main(["member", "update", "MA", "--time-zone", "Africa/Casablanca"]) not in (0, None)
    assert "no member MA" in "".join(capsys.readouterr())
    assert irmctl.main(["member", "add", "MA", "--kind", "national", "--name", "fr=Maroc", "--time-zone", "Maroc"]) not in (0, None)
    assert "'Maroc' is not an IANA time zone" in "".join(capsys.readouterr()) and Member.objects(code="MA").first() is None
