"""Demo data of the Media Center: the websites and their admin logins in the vault, the media
guidelines, and the demo survey.

Demo survey: the office's question with the seed's figures, 76/6/6/12 of 100 answers, spread
over the last weeks so that the charts show something. Safe to run again."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Division, User
from accounts.services import credential_create

from .models import Answer, GuidelineVersion, Survey, Website
from .services import guideline_save, survey_create, vote_cast, website_create

DEMO_SLUG = "layanan-informasi"
DEMO_COUNTS = {
    Answer.SANGAT_PUAS: 76,
    Answer.PUAS: 6,
    Answer.CUKUP_PUAS: 6,
    Answer.TIDAK_PUAS: 12,
}
DAYS = 28


def _seed_survey(stdout) -> None:
    if Survey.objects.filter(slug=DEMO_SLUG).exists():
        return
    kadis = User.objects.filter(username="kadis").first()
    if kadis is None:
        return
    survey = survey_create(actor=kadis, slug=DEMO_SLUG, featured=True)
    now = timezone.now()
    answers = [answer for answer, count in DEMO_COUNTS.items() for _ in range(count)]
    # Interleave the answers so that each day has a mix, then spread them over the days.
    answers = answers[::2] + answers[1::2]
    for number, answer in enumerate(answers):
        at = now - timedelta(days=(number * 7) % DAYS, hours=number % 9, minutes=number)
        vote_cast(
            survey=survey,
            answer=answer,
            client=f"demo-{number}",
            voter_id=f"demo-voter-{number:04d}",
            at=at,
        )
    stdout.write(f"  created demo survey {DEMO_SLUG} with {len(answers)} answers")


# name, address, responsible division, staff usernames, two-factor on the admin panel
WEBSITES = [
    (
        "Situs Resmi Pemerintah Kabupaten",
        "https://kabupaten.example.go.id",
        "E-Gov",
        ["admin"],
        True,
    ),
    (
        "Situs Dinas Komunikasi dan Informatika",
        "https://diskominfo.kabupaten.example.go.id",
        "PKP",
        ["editor"],
        True,
    ),
    (
        "Situs Media Center",
        "https://mediacenter.kabupaten.example.go.id",
        "PKP",
        ["editor", "staf"],
        True,
    ),
]


GUIDELINES_TITLE = "Pedoman Pengelolaan Media Dinas Komunikasi dan Informatika"


GUIDELINES_REGULATION = (
    "Keputusan Kepala Dinas Komunikasi dan Informatika Nomor 555/045/DISKOMINFO/2026"
)


GUIDELINES_DATE = date(2026, 1, 5)


GUIDELINES_BODY = """\
## BAB I — Ketentuan Umum

### Tujuan

Pedoman ini mengatur pengelolaan situs web dan akun media sosial milik Pemerintah Kabupaten dan
Dinas Komunikasi dan Informatika agar informasi publik tersampaikan dengan cepat, benar, seragam,
dan aman, serta agar setiap akun memiliki penanggung jawab yang jelas.

### Ruang lingkup

Pedoman ini berlaku untuk:

1. situs web resmi Pemerintah Kabupaten, situs Dinas Komunikasi dan Informatika, dan situs Media
   Center;
2. akun media sosial resmi Pemerintah Kabupaten dan Dinas Komunikasi dan Informatika (Facebook,
   X, dan Instagram);
3. seluruh pegawai yang mengelola, mengisi, atau menerbitkan konten melalui situs dan akun tersebut.

## BAB II — Kewenangan atas Akun dan Kata Sandi

1. Kepala Dinas bertindak sebagai *Chief Information Officer* (CIO) dan **memegang seluruh nama
   pengguna, kata sandi, token, dan kunci akses** setiap situs web dan akun media sosial.
2. Setiap kredensial diserahkan kepada Kepala Dinas dan disimpan terenkripsi di brankas kredensial
   Portal Media Center. Kredensial tidak boleh dicatat di kertas, dikirim melalui pesan, atau
   disimpan di perangkat pribadi.
3. Pegawai menerbitkan konten melalui Portal Media Center **tanpa pernah melihat kata sandi**.
   Hanya Kepala Dinas yang dapat membuka, mengganti, merotasi, atau mencabut kredensial; setiap
   tindakan tersebut tercatat dalam log audit.
4. Setiap akun yang mendukungnya wajib mengaktifkan verifikasi dua langkah.

## BAB III — Tanggung Jawab Bidang

| Situs atau akun | Bidang penanggung jawab |
|---|---|
| Situs resmi Pemerintah Kabupaten | Layanan E-Government |
| Situs Dinas Komunikasi dan Informatika | Pengelolaan Komunikasi Publik |
| Situs Media Center | Pengelolaan Komunikasi Publik |
| Akun media sosial Pemerintah Kabupaten dan Dinas | Pengelolaan Komunikasi Publik |

1. Setiap situs dan akun memiliki **satu bidang penanggung jawab** sesuai tugas pokok dan fungsinya,
   serta pegawai yang ditunjuk untuk mengelolanya.
2. Penunjukan dan perubahan penanggung jawab ditetapkan oleh Kepala Dinas dan dicatat di registri.
3. Pegawai hanya mengelola situs dan akun yang ditugaskan kepada bidangnya.

## BAB IV — Aturan Publikasi

1. Setiap publikasi di akun resmi **disetujui oleh Kepala Dinas** sebelum terbit.
2. Konten memakai bahasa Indonesia yang baik dan santun, mencantumkan sumber, serta tidak memuat
   unsur SARA, ujaran kebencian, atau informasi yang belum terverifikasi.
3. Foto dan video diambil dari pustaka Media Center beserta keterangan tema dan tanggal kegiatan.
4. Data pribadi warga tidak boleh diunggah tanpa persetujuan yang bersangkutan.
5. Publikasi pada akun Pemerintah Kabupaten dapat dibagikan ulang ke akun Dinas sesuai aturan
   sinkronisasi yang ditetapkan.

## BAB V — Rotasi Kata Sandi

1. Kata sandi setiap situs dan akun **diganti paling lambat setiap 90 hari**, dan segera setelah
   ada pegawai pengelola yang pindah tugas atau ada dugaan kebocoran.
2. Kata sandi baru paling sedikit 16 karakter, acak, dan tidak pernah dipakai sebelumnya.
3. Portal Media Center mengingatkan Kepala Dinas atas kredensial yang akan kedaluwarsa dalam 7 hari,
   yang telah kedaluwarsa, dan kata sandi yang melewati masa rotasi.

## BAB VI — Pelaporan

Setiap dugaan penyalahgunaan akun, kebocoran kredensial, atau publikasi yang melanggar pedoman ini
segera dilaporkan kepada Kepala Dinas untuk ditindaklanjuti.
"""


def _seed_governance(stdout) -> None:
    kadis = User.objects.filter(username="kadis").first()
    if kadis is None:
        stdout.write("  no Kepala Dinas to seed the governance data with; skipped")
        return
    divisions = {division.short_name: division for division in Division.objects.all()}
    with transaction.atomic():
        if not GuidelineVersion.objects.exists():
            guideline_save(
                actor=kadis,
                title=GUIDELINES_TITLE,
                regulation_number=GUIDELINES_REGULATION,
                regulation_date=GUIDELINES_DATE,
                body=GUIDELINES_BODY,
                rotation_days=90,
                change_note="Versi pertama.",
            )
            stdout.write("  created the media guidelines (version 1)")
        for name, address, division, usernames, two_factor in WEBSITES:
            if Website.objects.filter(name=name).exists():
                continue
            website = website_create(
                actor=kadis,
                name=name,
                address=address,
                responsible_division=divisions.get(division),
                staff=User.objects.filter(username__in=usernames),
                platform_two_factor=two_factor,
            )
            credential_create(
                actor=kadis,
                label=f"Login admin {name}",
                kind="password",
                secret={"username": "admin", "password": secrets.token_urlsafe(18)},
                target=website,
            )
            stdout.write(f"  created website {name} with its admin login in the vault")


def run(stdout) -> None:
    _seed_governance(stdout)
    _seed_survey(stdout)
