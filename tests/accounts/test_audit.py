import pytest

from accounts.models import AuditEvent
from accounts.services import audit_record

pytestmark = pytest.mark.django_db


def test_details_never_hold_a_secret(staf):
    with pytest.raises(ValueError, match="secret"):
        audit_record(actor=staf, action="x", details={"channel": 1, "access_token": "abc"})
    with pytest.raises(ValueError):
        audit_record(actor=staf, action="x", details={"nested": [{"Password": "abc"}]})
    assert not AuditEvent.objects.filter(action="x").exists()


def test_events_are_append_only(staf):
    event = audit_record(actor=staf, action="asset.delete", target=staf, details={"n": 1})
    event.action = "changed"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="changed")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "asset.delete"


@pytest.mark.parametrize(
    ("who", "status"),
    [("kadis", 200), ("admin_user", 200), ("editor", 403), ("staf", 403)],
)
def test_audit_page_is_for_kepala_dinas_and_admin(request, client_for, who, status):
    user = request.getfixturevalue(who)
    assert client_for(user).get("/accounts/audit/").status_code == status


def test_anonymous_is_sent_to_login(client):
    response = client.get("/accounts/audit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_audit_page_filters_by_person_and_action(client_for, kadis, staf, editor):
    audit_record(actor=staf, action="asset.upload", target=staf)
    audit_record(actor=editor, action="post.submit", target=editor)
    client = client_for(kadis)

    def rows(**query) -> str:
        page = client.get("/accounts/audit/", query).content.decode()
        return page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]

    # Events read in words; an action without a label (none in the portal) shows its code.
    assert "Diajukan untuk persetujuan" in rows(actor="editor")
    assert "asset.upload" not in rows(actor="editor")
    assert "asset.upload" in rows(action="asset.upload")
    assert "Diajukan untuk persetujuan" not in rows(action="asset.upload")
    # Times are shown in Western Indonesian Time.
    assert "WIB" in rows()


def test_admin_site_shows_events_read_only(client_for, admin_user, staf):
    event = audit_record(actor=staf, action="asset.upload", target=staf)
    client = client_for(admin_user)
    assert client.get("/admin/accounts/auditevent/").status_code == 200
    change = client.post(f"/admin/accounts/auditevent/{event.pk}/delete/", {"post": "yes"})
    assert change.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
