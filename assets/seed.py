"""Demo media library: the theme list, a folder tree and a few generated photos. Safe to rerun."""

from __future__ import annotations

import io
from datetime import date

from django.db import transaction
from PIL import Image, ImageDraw

from accounts.models import Division, User

from .models import Asset, Folder, Theme
from .services import DuplicateAsset, asset_create_from_file, folder_get_or_create_path

THEMES = [
    "Pemerintahan",
    "Kesehatan",
    "Pendidikan",
    "Infrastruktur",
    "Budaya",
    "Ekonomi",
    "Sosial",
    "Pariwisata",
    "Lingkungan",
    "Keamanan dan Ketertiban",
]

# (path, division, [(title, theme, event date, colours)])
DEMO = [
    (
        ["2018", "06 Juni", "FGD Renaksi OGP"],
        "PKP",
        [
            (
                "FGD Renaksi OGP sesi pembukaan",
                "Pemerintahan",
                date(2018, 6, 12),
                ((11, 79, 138), (245, 180, 0)),
            ),
            (
                "Peserta FGD Renaksi OGP",
                "Pemerintahan",
                date(2018, 6, 12),
                ((23, 128, 61), (255, 255, 255)),
            ),
        ],
    ),
    (
        ["2026", "11 November", "Posyandu Keliling"],
        "PKP",
        [
            (
                "Posyandu keliling di Kecamatan Sukamaju",
                "Kesehatan",
                date(2026, 11, 3),
                ((180, 35, 24), (253, 236, 234)),
            ),
        ],
    ),
    (
        ["2026", "10 Oktober", "Peresmian Jembatan"],
        "PIAP",
        [
            (
                "Peresmian jembatan desa oleh Bupati",
                "Infrastruktur",
                date(2026, 10, 21),
                ((90, 103, 117), (244, 246, 249)),
            ),
        ],
    ),
]


def _demo_photo(title: str, colours) -> bytes:
    background, accent = colours
    image = Image.new("RGB", (1600, 1067), background)
    draw = ImageDraw.Draw(image)
    for i in range(0, 1600, 160):
        draw.rectangle([i, 900, i + 80, 1067], fill=accent)
    draw.ellipse([600, 250, 1000, 650], outline=accent, width=24)
    draw.text((60, 60), title, fill=accent)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def run(stdout) -> None:
    with transaction.atomic():
        for position, name in enumerate(THEMES):
            Theme.objects.get_or_create(name=name, defaults={"position": position})
    uploader = User.objects.filter(username="staf").first()
    for path, division_name, photos in DEMO:
        division = Division.objects.filter(short_name=division_name).first()
        if division is None:
            continue
        folder = folder_get_or_create_path(actor=None, path=path, division=division)
        for title, theme, when, colours in photos:
            if Asset.objects.filter(folder=folder, title=title).exists():
                continue
            try:
                asset_create_from_file(
                    actor=None,
                    folder=folder,
                    fileobj=io.BytesIO(_demo_photo(title, colours)),
                    filename=f"{title.lower().replace(' ', '-')}.jpg",
                    title=title,
                    theme=Theme.objects.get(name=theme),
                    event_date=when,
                    credit="Tim Media Center",
                    location="Kabupaten",
                    tags=["demo"],
                )
            except DuplicateAsset:
                continue
            Asset.objects.filter(folder=folder, title=title).update(uploaded_by=uploader)
            stdout.write(f"  demo photo: {' / '.join(path)} / {title}")
    stdout.write(
        f"  media library: {Folder.objects.count()} folders, {Asset.objects.count()} assets"
    )
