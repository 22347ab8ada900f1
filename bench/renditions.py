"""Renditions of 24-megapixel photos: the portal's Pillow pipeline against libvips.

Baseline: Debian's ``vipsthumbnail`` (libvips-tools) making the same three sizes (1600, 1080 and
400 px) of the same files, one size per run, as a script would. Ours: ``photo_renditions``
decodes each JPEG once at a reduced DCT scale (``draft()``) and derives each size from the one
above. Both run on the same cores; the figure is the median of repeated runs in one process.

    uv run python -m bench.renditions [--photos 4] [--repeat 3]

Target: ours takes at most half of vipsthumbnail's time (ratio <= 0.50).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

SIZES = (1600, 1080, 400)


def make_photos(folder: Path, count: int) -> list[Path]:
    """24-megapixel (6000 x 4000) JPEGs with noise and shapes, so they compress like photos."""
    from PIL import Image, ImageDraw, ImageFilter

    paths = []
    for index in range(count):
        noise = Image.effect_noise((6000, 4000), 48 + index * 5).convert("RGB")
        base = Image.linear_gradient("L").resize((6000, 4000)).convert("RGB")
        image = Image.blend(base, noise, 0.45)
        draw = ImageDraw.Draw(image)
        for n in range(12):
            x = 400 * n + 100 * index
            draw.ellipse([x, 600 + 80 * n, x + 900, 1500 + 80 * n], outline=(200, 40, 40), width=40)
        image = image.filter(ImageFilter.SMOOTH)
        path = folder / f"photo-{index}.jpg"
        image.save(path, "JPEG", quality=90)
        paths.append(path)
    return paths


def run_vips(paths: list[Path], out: Path) -> float:
    started = time.perf_counter()
    for path in paths:
        for size in SIZES:
            subprocess.run(
                [
                    "vipsthumbnail",
                    str(path),
                    "--size",
                    f"{size}x{size}",
                    "-o",
                    f"{out}/%s-{size}.jpg[Q=82]",
                ],
                check=True,
            )
    return time.perf_counter() - started


def run_ours(paths: list[Path]) -> float:
    import django

    django.setup()
    from assets.renditions import photo_renditions

    started = time.perf_counter()
    for path in paths:
        results = photo_renditions(str(path))
        assert [max(r.width, r.height) for r in results] == list(SIZES)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("vipsthumbnail") is None:
        print("vipsthumbnail is missing: apt-get install libvips-tools", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-renditions-") as tmp:
        folder = Path(tmp)
        out = folder / "out"
        out.mkdir()
        print(f"making {args.photos} photos of 24 megapixels...", flush=True)
        paths = make_photos(folder, args.photos)
        run_ours(paths[:1])  # warm up: imports, page cache
        run_vips(paths[:1], out)
        vips, ours = [], []
        for _ in range(args.repeat):
            vips.append(run_vips(paths, out))
            ours.append(run_ours(paths))
    vips_median, ours_median = statistics.median(vips), statistics.median(ours)
    ratio = ours_median / vips_median
    print(
        f"vipsthumbnail, 3 sizes x {args.photos} photos: {vips_median:.2f} s (median of {args.repeat})"
    )
    print(
        f"portal renditions, same work:             {ours_median:.2f} s (median of {args.repeat})"
    )
    print(
        f"per photo: {ours_median / args.photos * 1000:.0f} ms against {vips_median / args.photos * 1000:.0f} ms"
    )
    print(
        f"ratio ours / vipsthumbnail = {ratio:.2f} (target <= 0.50): {'OK' if ratio <= 0.5 else 'OVER'}"
    )
    return 0 if ratio <= 0.5 else 1


if __name__ == "__main__":
    sys.exit(main())
