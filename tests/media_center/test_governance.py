"""The media guidelines, the registry of websites and the compliance view."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEvent, Credential
from accounts.roles import Role
from accounts.services import credential_create, credential_revoke
from accounts.vault_targets import rotation_period
from media_center.models import GuidelineVersion, Website
from media_center.services import guideline_save, website_create
from tests.vault_fixtures import KNOWN_PASSWORD

pytestmark = pytest.mark.django_db

UNSAFE_MARKDOWN = """\
## Aturan unggahan

1. Setiap unggahan **disetujui** Kepala Dinas.

| Akun | Bidang |
|---|---|
| Facebook | PKP |

<script>alert("x")</script>
<img src="x" onerror="alert(1)">
[tautan jahat](javascript:alert(1)) dan [tautan resmi](https://kabupaten.example.go.id)
<p style="color:red" onclick="alert(1)">gaya</p>
"""


def _save(kadis, body=UNSAFE_MARKDOWN, **kwargs) -> GuidelineVersion:
    defaults = {
        "title": "Pedoman Pengelolaan Media",
        "regulation_number": "Keputusan Kepala Dinas Nomor 555/045/2026",
        "regulation_date": date(2026, 1, 5),
        "rotation_days": 90,
    }
    return guideline_save(actor=kadis, body=body, **(defaults | kwargs))


def _as(request, who: str) -> Client:
    user = request.getfixturevalue(who)
    if who == "superuser":
        client = Client()
        client.force_login(user)
        return client
    return request.getfixturevalue("client_for")(user)


@pytest.mark.parametrize("who", ["staf", "editor", "kadis", "admin_user"])
def test_every_member_of_staff_reads_the_guidelines_sanitised(request, who, kadis):
    _save(kadis)
    page = _as(request, who).get("/guidelines/").content.decode()
    assert "Pedoman Pengelolaan Media" in page and "555/045/2026" in page
    assert "5 Jan. 2026" in page
    assert "<strong>disetujui</strong>" in page and "<table>" in page
    assert '<a href="https://kabupaten.example.go.id" rel="noopener noreferrer">' in page
    for unsafe in ("<script>alert", "onerror", "javascript:", "onclick", 'style="color'):
        assert unsafe not in page
    # It prints: a print stylesheet and a print button (handled by a static script, CSP-safe).
    assert "media_center/governance.css" in page and "data-print" in page
    assert ("Ubah (disimpan sebagai versi baru)" in page) == (who == "kadis")


def test_anonymous_visitors_are_sent_to_the_login(client):
    assert client.get("/guidelines/")["Location"].startswith("/accounts/login/")


def test_each_save_is_a_new_version_and_earlier_ones_are_kept(client_for, kadis):
    first = _save(kadis, body="Versi satu.", rotation_days=90)
    client = client_for(kadis)
    form = client.get("/guidelines/edit/").content.decode()
    assert "Versi satu." in form and "versi 2" in form
    response = client.post(
        "/guidelines/edit/",
        {
            "title": "Pedoman Pengelolaan Media",
            "regulation_number": "Keputusan Nomor 2/2026",
            "regulation_date": "2026-06-01",
            "rotation_days": "60",
            "body": "Versi dua.",
            "change_note": "Rotasi dipercepat",
        },
    )
    assert response.status_code == 302
    assert GuidelineVersion.objects.count() == 2
    first.refresh_from_db()
    assert first.body == "Versi satu."
    assert rotation_period() == timedelta(days=60)  # the vault follows the guidelines in force
    current = client.get("/guidelines/").content.decode()
    assert "Versi dua." in current and "Rotasi dipercepat" in current
    old = client.get("/guidelines/v1/").content.decode()
    assert "Versi satu." in old and "tidak berlaku lagi" in old
    assert client.get("/guidelines/v9/").status_code == 404
    event = AuditEvent.objects.get(action="guidelines.save", details__version=2)
    assert event.actor == kadis


@pytest.mark.parametrize("who", ["staf", "editor", "admin_user", "superuser"])
def test_only_the_kepala_dinas_edits_the_guidelines(request, who, kadis):
    _save(kadis)
    client = _as(request, who)
    assert client.get("/guidelines/edit/").status_code == 403
    response = client.post(
        "/guidelines/edit/",
        {
            "title": "Palsu",
            "regulation_number": "0",
            "regulation_date": "2026-01-01",
            "rotation_days": "7",
            "body": "x",
        },
    )
    assert response.status_code == 403
    assert client.post("/guidelines/preview/", {"body": "x"}).status_code == 403
    assert GuidelineVersion.objects.count() == 1


def test_the_preview_is_sanitised_too(client_for, kadis):
    response = client_for(kadis).post("/guidelines/preview/", {"body": UNSAFE_MARKDOWN})
    html = response.content.decode()
    assert "<strong>disetujui</strong>" in html
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html


@pytest.mark.parametrize(
    ("who", "status"),
    [("kadis", 200), ("editor", 200), ("staf", 403), ("admin_user", 403), ("superuser", 200)],
)
def test_the_registry_is_for_the_kepala_dinas_and_editors(request, who, status, credential):
    """(A superuser holds every model right outside the vault: the registry shows no secret.)"""
    client = _as(request, who)
    response = client.get("/registry/")
    assert response.status_code == status
    assert client.get("/registry/compliance/").status_code == status
    if status == 200:
        page = response.content.decode()
        assert "Situs Media Center" in page and "PKP" in page and "Rina Wulandari" in page
        assert "Aktif" in page  # the credential's state, never the secret
        assert KNOWN_PASSWORD not in page
        assert ("Tambah situs web" in page) == (who == "kadis")


def test_the_menu_offers_guidelines_to_all_and_the_registry_to_heads_and_editors(
    client_for, staf, editor, kadis
):
    assert ">Pedoman</a>" in client_for(staf).get("/dashboard/").content.decode()
    assert ">Registri</a>" not in client_for(staf).get("/dashboard/").content.decode()
    assert ">Registri</a>" in client_for(editor).get("/dashboard/").content.decode()
    assert ">Registri</a>" in client_for(kadis).get("/dashboard/").content.decode()


def test_compliance_finds_every_rule_broken(client_for, kadis, editor, staf_other, divisions):
    website_create(actor=kadis, name="Situs tanpa bidang", address="https://a.example.go.id")
    outside = website_create(
        actor=kadis,
        name="Situs pengelola luar bidang",
        address="https://b.example.go.id",
        responsible_division=divisions["PKP"],
        staff=[staf_other],
        platform_two_factor=True,
    )
    expired = credential_create(
        actor=kadis,
        label="Login kedaluwarsa",
        kind="api_key",
        secret={"api_key": "kunci-" + "z" * 16},
        target=outside,
        expires_at=timezone.now() - timedelta(days=1),
    )
    old = website_create(
        actor=kadis,
        name="Situs kata sandi lama",
        address="https://c.example.go.id",
        responsible_division=divisions["PKP"],
        staff=[editor],
        platform_two_factor=True,
    )
    stale = credential_create(
        actor=kadis,
        label="Login lama",
        kind="password",
        secret={"username": "admin", "password": "Sandi-Lama-2025-abc"},
        target=old,
    )
    Credential.objects.filter(pk=stale.pk).update(rotated_at=timezone.now() - timedelta(days=120))
    client = client_for(kadis)
    page = client.get("/registry/compliance/").content.decode()
    sections = {
        "Belum ada bidang penanggung jawab": ["Situs tanpa bidang"],
        "Belum ada pegawai pengelola": ["Situs tanpa bidang"],
        "Pegawai di luar bidang penanggung jawab": ["Situs pengelola luar bidang", "Agus Setiawan"],
        "Login tidak disimpan di brankas": ["Situs tanpa bidang"],
        "Kredensial kedaluwarsa": ["Situs pengelola luar bidang"],
        "Kata sandi melewati masa rotasi": ["Situs kata sandi lama"],
        "Verifikasi dua langkah belum aktif di akun": ["Situs tanpa bidang"],
    }
    for title, names in sections.items():
        section = page.split(title, 1)[1].split("</section>", 1)[0]
        for name in names:
            assert name in section, (title, name)
    assert (
        "Situs kata sandi lama"
        not in page.split("Belum ada pegawai pengelola", 1)[1].split("</section>", 1)[0]
    )
    credential_revoke(actor=kadis, credential_id=expired.pk)
    page = client.get("/registry/compliance/").content.decode()
    assert "Kredensial dicabut atau tidak dapat dibaca" in page
    dashboard = client.get("/dashboard/").content.decode()
    assert "Temuan kepatuhan registri" in dashboard


def test_the_kepala_dinas_assigns_a_website_and_each_change_is_audited(
    client_for, kadis, editor, staf, divisions, credential
):
    website = Website.objects.get()
    client = client_for(kadis)
    form = client.get(f"/registry/websites/{website.pk}/").content.decode()
    assert KNOWN_PASSWORD not in form
    response = client.post(
        f"/registry/websites/{website.pk}/",
        {
            "name": website.name,
            "address": website.address,
            "responsible_division": divisions["E-Gov"].pk,
            "staff": [staf.pk],
            "platform_two_factor": "on",
            "credential": credential.pk,
        },
    )
    assert response.status_code == 302
    website.refresh_from_db()
    assert website.responsible_division == divisions["E-Gov"]
    assert list(website.staff.all()) == [staf]
    event = AuditEvent.objects.get(action="website.assign")
    assert event.actor == kadis
    assert event.details == {
        "division": {"from": "PKP", "to": "E-Gov"},
        "staff_added": ["staf"],
        "staff_removed": ["editor"],
    }


def test_a_revoked_credential_cannot_be_given_to_a_website(client_for, kadis, credential):
    website = Website.objects.get()
    credential_revoke(actor=kadis, credential_id=credential.pk)
    other = credential_create(
        actor=kadis, label="Lain", kind="api_key", secret={"api_key": "kunci-" + "q" * 16}
    )
    client = client_for(kadis)
    response = client.post(
        f"/registry/websites/{website.pk}/",
        {"name": website.name, "address": website.address, "credential": credential.pk},
    )
    assert response.status_code == 200  # the revoked one is not a choice
    assert "Masukkan pilihan yang valid" in response.content.decode()
    website.refresh_from_db()
    assert website.credential_id == credential.pk
    client.post(
        f"/registry/websites/{website.pk}/",
        {"name": website.name, "address": website.address, "credential": other.pk},
    )
    assert AuditEvent.objects.filter(action="website.credential", details__to=other.pk).exists()


@pytest.mark.parametrize("who", ["editor", "staf", "admin_user", "superuser"])
def test_only_the_kepala_dinas_registers_and_assigns_websites(request, who, website, divisions):
    client = _as(request, who)
    assert client.get("/registry/websites/new/").status_code == 403
    assert client.get(f"/registry/websites/{website.pk}/").status_code == 403
    response = client.post(
        f"/registry/websites/{website.pk}/",
        {
            "name": "x",
            "address": "https://x.example.go.id",
            "responsible_division": divisions["E-Gov"].pk,
        },
    )
    assert response.status_code == 403
    assert (
        client.post(
            "/registry/websites/new/", {"name": "x", "address": "https://x.go.id"}
        ).status_code
        == 403
    )
    website.refresh_from_db()
    assert website.responsible_division == divisions["PKP"] and Website.objects.count() == 1
    assert not AuditEvent.objects.filter(action="website.assign").exists()


def test_the_admin_site_shows_websites_read_only(superuser, website):
    root = Client()
    root.force_login(superuser)
    assert root.get(f"/admin/media_center/website/{website.pk}/change/").status_code == 200
    response = root.post(
        f"/admin/media_center/website/{website.pk}/change/",
        {"name": "forged", "credential": "1"},
    )
    assert response.status_code == 403
    assert Website.objects.get().name == "Situs Media Center"


def test_the_demo_seed_is_idempotent(make_user, divisions):
    from io import StringIO

    make_user("kadis", Role.KEPALA_DINAS, None)
    make_user("editor", Role.EDITOR, "PKP")
    make_user("staf", Role.STAF, "PKP")
    from media_center import seed

    seed.run(StringIO())
    seed.run(StringIO())
    assert Website.objects.count() == 3
    assert Credential.objects.count() == 3
    assert GuidelineVersion.objects.count() == 1
    assert GuidelineVersion.objects.get().rotation_days == 90
    assert Website.objects.filter(credential__isnull=True).count() == 0
