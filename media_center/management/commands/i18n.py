"""Keep the translations true without system gettext: extract, check and compile with Babel.

``extract`` updates every ``.po`` from the code's strings, ``check`` fails when a ``.po`` is out of
date with the code, has an untranslated or a fuzzy entry, and ``compile`` writes the ``.mo`` files.
Templates are read through Django's own ``templatize`` (what ``makemessages`` does) and then by
Babel's Python extractor.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import templatize

from core.periodic import PORTAL_APPS

KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
TEMPLATE_SUFFIXES = {".html", ".txt", ".xml", ".svg"}
SKIP_DIRS = {"migrations", "__pycache__", "locale", "static", "simulator_data"}


def _domains() -> list[tuple[Path, list[Path]]]:
    """(locale folder, source folders) for the project-wide strings and for each app."""
    base = Path(settings.BASE_DIR)
    domains = [(base / "locale", [base / "templates", base / "config", base / "core"])]
    domains += [(base / app / "locale", [base / app]) for app in PORTAL_APPS]
    return domains


def _source_files(roots: list[Path]):
    for root in roots:
        if not root.exists():
            continue
        for path in sorted(root.rglob("*")):
            if not path.is_file() or SKIP_DIRS & set(path.relative_to(root).parts[:-1]):
                continue
            if path.suffix == ".py" or (
                path.suffix in TEMPLATE_SUFFIXES and "templates" in path.parts
            ):
                yield path


def extract_catalog(roots: list[Path]) -> Catalog:
    catalog = Catalog(locale=None)
    base = Path(settings.BASE_DIR)
    for path in _source_files(roots):
        text = path.read_text(encoding="utf-8")
        if path.suffix != ".py":
            text = templatize(text, origin=str(path))
        for lineno, message, comments, context in extract(
            "python", io.BytesIO(text.encode("utf-8")), keywords=KEYWORDS, comment_tags=()
        ):
            catalog.add(
                message,
                locations=[(str(path.relative_to(base)), lineno)],
                auto_comments=comments,
                context=context,
            )
    return catalog


def _languages() -> list[str]:
    source = "en"
    return [code for code, _name in settings.LANGUAGES if code != source]


def _po_path(locale_dir: Path, language: str) -> Path:
    return locale_dir / language / "LC_MESSAGES" / "django.po"


def _read(path: Path, language: str) -> Catalog:
    if path.exists():
        with path.open("rb") as handle:
            return read_po(handle, locale=language)
    return Catalog(
        locale=language,
        project="Portal Media Center",
        copyright_holder="Dinas Komunikasi dan Informatika",
        fuzzy=False,
    )


def _key(message) -> tuple:
    msgid = message.id if isinstance(message.id, tuple) else (message.id,)
    return (message.context or "", *msgid)


def _problems(template: Catalog, catalog: Catalog, path: Path) -> list[str]:
    problems = []
    wanted = {_key(m): m for m in template if m.id}
    have = {_key(m): m for m in catalog if m.id}
    for key in sorted(set(wanted) - set(have)):
        problems.append(f"{path}: missing {key[1]!r} (run 'make messages')")
    for key in sorted(set(have) - set(wanted)):
        problems.append(f"{path}: {key[1]!r} is no longer in the code (run 'make messages')")
    for key, message in sorted(have.items()):
        if key not in wanted:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            problems.append(f"{path}: {key[1]!r} is not translated")
        if message.fuzzy:
            problems.append(f"{path}: {key[1]!r} is marked fuzzy")
    return problems


def _conflicts(catalogs: dict[Path, Catalog]) -> list[str]:
    """Django merges every app's catalog into one: a msgid translated two ways shows only one."""
    seen: dict[tuple, tuple[Path, object]] = {}
    problems = []
    for path, catalog in catalogs.items():
        for message in catalog:
            if not message.id:
                continue
            key = _key(message)
            if key in seen and seen[key][1] != message.string:
                problems.append(
                    f"{path}: {key[1]!r} is translated differently in {seen[key][0]} "
                    "(give one of them a context with pgettext, or use the same words)"
                )
            seen.setdefault(key, (path, message.string))
    return problems


class Command(BaseCommand):
    help = "Extract, check or compile the portal's translations (Babel; no system gettext)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["extract", "check", "compile"])

    def handle(self, *args, action, **options):
        getattr(self, f"do_{action}")()

    def do_extract(self):
        for locale_dir, roots in _domains():
            template = extract_catalog(roots)
            if not len(template):
                continue
            for language in _languages():
                path = _po_path(locale_dir, language)
                catalog = _read(path, language)
                catalog.update(template, no_fuzzy_matching=True)
                catalog.obsolete.clear()
                catalog.fuzzy = False
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("wb") as handle:
                    write_po(handle, catalog, width=100, sort_output=True, include_lineno=False)
                untranslated = sum(
                    1
                    for m in catalog
                    if m.id and not all(m.string if isinstance(m.string, tuple) else (m.string,))
                )
                self.stdout.write(
                    f"{path.relative_to(settings.BASE_DIR)}: {untranslated} to translate"
                )

    def do_check(self):
        problems = []
        for locale_dir, roots in _domains():
            template = extract_catalog(roots)
            for language in _languages():
                path = _po_path(locale_dir, language)
                if not len(template) and not path.exists():
                    continue
                problems += _problems(
                    template, _read(path, language), path.relative_to(settings.BASE_DIR)
                )
        if problems:
            raise CommandError("Translations are not complete:\n" + "\n".join(problems))
        self.stdout.write("Translations are complete and up to date.")

    def do_compile(self):
        for locale_dir, _roots in _domains():
            for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
                self._compile_one(po_path)
        self.stdout.write("Translations compiled.")

    def _compile_one(self, po_path: Path) -> None:
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        # Written beside and renamed into place: a process reading the catalogue meanwhile (a
        # second test run, a running portal) sees the old file or the new one, never half of one.
        mo_path = po_path.with_suffix(".mo")
        partial = mo_path.with_name(f"{mo_path.name}.{os.getpid()}.partial")
        with partial.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        os.replace(partial, mo_path)
