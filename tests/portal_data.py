"""A portal in use, made through the services as people would make it: the state that the
security, backup and accessibility tests walk through, attack and restore.

Everything is small (tiny generated media files) so that making it costs well under a second.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from accounts.models import Credential, User
from accounts.services import api_token_create, credential_create, notification_send
from assets.models import Asset, Folder, Theme
from assets.services import (
    asset_create_from_file,
    asset_render,
    asset_trash,
    folder_create,
    folder_grant,
)
from boosts import services as boost_services
from boosts.models import AdAccount, BoostRequest, BudgetLine
from media_center.models import EmbedSite, GuidelineVersion, Survey, Website
from media_center.services import (
    embed_site_add,
    guideline_save,
    survey_create,
    vote_cast,
    website_create,
)
from publishing.models import Channel, Delivery, DeliveryStatus, Post
from publishing.services.channels import channel_create
from publishing.services.delivery import post_release
from publishing.services.posts import post_approve, post_create, post_submit
from publishing.sync.models import RepostSuggestion, SyncRule
from publishing.sync.services import partner_account_create, sync_rule_create
from skm import services as skm_services
from skm.models import Period as SkmPeriod
from tests.assets import media

# The secret parts of the credential below: a backup, a page or a log must never show them.
SECRET_PASSWORD = "Sandi-Rahasia-Situs-7d41c9e2"
SECRET_TOTP_SEED = "JBSWY3DPEHPK3PXP"
SECRET_PAGE_TOKEN = "EAAGRahasiaHalaman0c9d1e2f3a4b5c6d7e8f"
EMBED_ORIGIN = "https://desa-sukamaju.example.go.id"


@dataclass
class PortalData:
    people: dict[str, User]
    open_folder: Folder
    subfolder: Folder
    restricted_folder: Folder
    other_division_folder: Folder
    photo: Asset
    document: Asset
    sound: Asset
    trashed: Asset
    website: Website
    credential: Credential
    guideline: GuidelineVersion
    survey: Survey
    closed_survey: Survey
    embed_site: EmbedSite
    channel: Channel
    channel_x: Channel
    other_channel: Channel
    other_post_waiting: Post
    other_delivery: Delivery
    sync_rule: SyncRule
    suggestion: RepostSuggestion
    skm_period: SkmPeriod  # the open quarter, a draft
    skm_published: SkmPeriod  # last year's, published
    budget_line: BudgetLine
    ad_account: AdAccount
    boost_delivery: Delivery  # the Media Center's Facebook post, published
    boost: BoostRequest  # the editor's draft to boost it


def _upload(user, folder, data: bytes, name: str, *, render: bool = False, **extra) -> Asset:
    asset = asset_create_from_file(
        actor=user, folder=folder, fileobj=io.BytesIO(data), filename=name, **extra
    )
    if render:
        asset_render(asset_id=asset.pk)
    return Asset.objects.get(pk=asset.pk)


def _skm(*, editor: User, kadis: User) -> tuple[SkmPeriod, SkmPeriod]:
    """An SKM service with the open quarter (one paper questionnaire, a draft) and last year's
    period, published."""
    service = skm_services.service_create(actor=editor, name="Layanan Informasi Publik")
    today = timezone.localdate()
    current = skm_services.period_create(
        actor=editor,
        service=service,
        kind="quarter",
        year=today.year,
        number=(today.month - 1) // 3 + 1,
        population=500,
    )
    answers = {f"u{n}": 3 for n in range(1, 10)} | {
        "sex": "P",
        "age_group": "30-39",
        "education": "s1",
        "occupation": "asn",
    }
    skm_services.response_enter_paper(actor=editor, period=current, answers=answers)
    last = skm_services.period_create(
        actor=editor, service=service, kind="year", year=today.year - 1, number=1, population=2000
    )
    skm_services.response_enter_paper(actor=editor, period=last, answers=answers)
    skm_services.period_publish(actor=kadis, period=last, conclusion="Baik.")
    last.refresh_from_db()
    return current, last


def populate(*, staf: User, staf_other: User, editor: User, kadis: User, admin: User) -> PortalData:
    """People of every role, folders (open, restricted, another division's), assets with their
    files and renditions, a website with its login in the vault, guidelines, surveys with votes,
    an embedding site, a notification and an API token."""
    people = {
        "staf": staf,
        "staf_other": staf_other,
        "editor": editor,
        "kadis": kadis,
        "admin": admin,
    }
    themes = {
        name: Theme.objects.get_or_create(name=name, defaults={"position": position})[0]
        for position, name in enumerate(["Pemerintahan", "Kesehatan", "Budaya"])
    }
    pkp, piap = staf.division, staf_other.division
    open_folder = folder_create(actor=editor, name="Kegiatan PKP", division=pkp)
    subfolder = folder_create(actor=editor, name="2026", parent=open_folder)
    restricted = folder_create(actor=editor, name="Arsip Pimpinan", division=pkp, restricted=True)
    folder_grant(actor=editor, folder=restricted, rights=["view"], user=staf)
    other = folder_create(actor=None, name="Kegiatan PIAP", division=piap, restricted=True)

    photo = _upload(
        staf,
        subfolder,
        media.jpeg((640, 480)),
        "rapat-koordinasi.jpg",
        render=True,
        title="Rapat koordinasi penanganan banjir",
        theme=themes["Pemerintahan"],
        tags="banjir, rapat",
        event_date=date(2026, 11, 3),
        description="Rapat di aula kantor bupati.",
        credit="Dimas Prasetyo",
        location="Aula Kantor Bupati",
    )
    document = _upload(
        editor,
        open_folder,
        media.pdf(2),
        "laporan-kegiatan.pdf",
        render=True,
        theme=themes["Kesehatan"],
    )
    sound = _upload(staf, open_folder, media.wav(0.2), "wawancara.wav", render=True)
    _upload(staf_other, other, media.png(), "kegiatan-piap.png", render=True)
    trashed = _upload(staf, open_folder, media.jpeg(color=(10, 10, 200)), "salah-unggah.jpg")
    asset_trash(actor=staf, asset=trashed)

    website = website_create(
        actor=kadis,
        name="Situs Media Center",
        address="https://mediacenter.kabupaten.example.go.id",
        responsible_division=pkp,
        staff=[editor],
        platform_two_factor=True,
    )
    credential = credential_create(
        actor=kadis,
        label="Login admin Situs Media Center",
        kind="password",
        secret={"username": "admin", "password": SECRET_PASSWORD, "totp_seed": SECRET_TOTP_SEED},
        target=website,
    )
    guideline = guideline_save(
        actor=kadis,
        title="Pedoman Pengelolaan Media Sosial",
        regulation_number="Perbup No. 12 Tahun 2026",
        regulation_date=date(2026, 1, 5),
        body="## Tujuan\n\nMenjaga akun resmi pemerintah daerah tetap aman.",
        rotation_days=90,
    )
    survey = survey_create(actor=editor, slug="layanan-informasi", featured=True)
    closed = survey_create(actor=editor, slug="layanan-lama", is_open=False)
    for index, answer in enumerate(["sangat_puas", "puas", "puas", "cukup_puas", "tidak_puas"]):
        vote_cast(survey=survey, answer=answer, client=f"client-{index}", voter_id=f"v{index}")
    embed_site = embed_site_add(actor=editor, origin=EMBED_ORIGIN, name="Desa Sukamaju")
    skm_period, skm_published = _skm(editor=editor, kadis=kadis)
    notification_send(
        recipients=[kadis],
        kind="credential.expiring",
        key=f"test-expiring-{credential.pk}",
        params={"label": credential.label, "date": "2026-12-01T00:00:00+07:00"},
        email=False,
    )
    channel = channel_create(
        actor=kadis,
        name="Media Center Bojonegoro",
        handle="MediaCenterBJN",
        driver="facebook",
        account_group="media_center",
        external_id="100090000000101",
        responsible_division=pkp,
        staff=[editor],
    )
    credential_create(
        actor=kadis,
        label="Halaman Facebook Media Center",
        kind="oauth",
        secret={"access_token": SECRET_PAGE_TOKEN},
        target=channel,
    )
    channel_x = channel_create(
        actor=kadis,
        name="Media Center BJN",
        handle="mediacenterBJN",
        driver="x",
        account_group="media_center",
        responsible_division=pkp,
    )
    other_channel = channel_create(
        actor=kadis,
        name="Pemkab Bojonegoro",
        handle="PemkabBjn",
        driver="x",
        account_group="pemkab",
        responsible_division=piap,
        staff=[staf_other],
    )
    # Another division's posts: one waiting for approval, one sent (its delivery failed).
    other_post_waiting = post_submit(
        actor=staf_other,
        post=post_create(
            actor=staf_other,
            title="Pengumuman PIAP",
            text="Pengumuman.",
            channel_ids=[other_channel.pk],
        ),
    )
    other_sent = post_submit(
        actor=staf_other,
        post=post_create(
            actor=staf_other,
            title="Kegiatan PIAP",
            text="Kegiatan.",
            channel_ids=[other_channel.pk],
        ),
    )
    post_approve(actor=kadis, post=other_sent)
    post_release(post_id=other_sent.pk)
    other_delivery = Delivery.objects.get(post=other_sent)
    # As the engine leaves it after its last try (no worker runs in these tests).
    Delivery.objects.filter(pk=other_delivery.pk).update(
        status=DeliveryStatus.FAILED, last_error="Platform menolak.", attempt_count=1
    )
    sync_rule = sync_rule_create(actor=kadis, source=channel, targets=[channel_x])
    partner = partner_account_create(
        actor=kadis,
        platform="x",
        handle="BupatiBjn",
        external_id="1500000000000000900",
        name="Bupati Bojonegoro",
        kind="regent",
        via_channel=channel_x,
    )
    # As a poll of the partner's account leaves it.
    suggestion = RepostSuggestion.objects.create(
        partner=partner,
        external_id="1900000000000000001",
        text="Bupati meresmikan jembatan.",
        permalink="https://x.com/BupatiBjn/status/1900000000000000001",
        posted_at=timezone.now(),
    )
    api_token_create(user=staf)
    budget_line, ad_account, boost_delivery, boost = _boosts(editor=editor, kadis=kadis,
                                                             channel=channel)  # fmt: skip
    return PortalData(
        people=people,
        open_folder=open_folder,
        subfolder=subfolder,
        restricted_folder=restricted,
        other_division_folder=other,
        photo=photo,
        document=document,
        sound=sound,
        trashed=trashed,
        website=website,
        credential=credential,
        guideline=guideline,
        survey=survey,
        closed_survey=closed,
        embed_site=embed_site,
        channel=channel,
        channel_x=channel_x,
        other_channel=other_channel,
        other_post_waiting=other_post_waiting,
        other_delivery=other_delivery,
        sync_rule=sync_rule,
        suggestion=suggestion,
        skm_period=skm_period,
        skm_published=skm_published,
        budget_line=budget_line,
        ad_account=ad_account,
        boost_delivery=boost_delivery,
        boost=boost,
    )


def _boosts(*, editor: User, kadis: User, channel: Channel):
    """A budget line, an ad account, the Media Center's published Facebook post and an editor's
    draft to boost it."""
    from datetime import timedelta

    line = boost_services.budget_line_save(
        actor=kadis,
        code="2.16.02.1.01.0001",
        name="Publikasi Media Sosial",
        ceiling=5_000_000,
        year=timezone.localdate().year,
    )
    account = boost_services.ad_account_save(
        actor=kadis, name="Iklan Dinkominfo", account_id="1000000000001"
    )
    post = post_submit(
        actor=editor,
        post=post_create(
            actor=editor, title="Festival Budaya", text="Festival.", channel_ids=[channel.pk]
        ),
    )
    post_approve(actor=kadis, post=post)
    post_release(post_id=post.pk)
    Delivery.objects.filter(post=post).update(
        status=DeliveryStatus.PUBLISHED,
        external_id="100090000000101_7001",
        published_at=timezone.now(),
    )
    delivery = Delivery.objects.get(post=post)
    start = timezone.now() + timedelta(days=1)
    boost = boost_services.boost_create(
        actor=editor,
        delivery=delivery,
        ad_account=account,
        budget_line=line,
        amount=50_000,
        start=start,
        end=start + timedelta(days=2),
        audience="radius",
        latitude=-7.15,
        longitude=111.88,
        radius_km=20,
        reason="Festival budaya tahunan.",
    )
    return line, account, delivery, boost
