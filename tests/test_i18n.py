"""The Indonesian translation is complete: nothing missing, untranslated, fuzzy or stale."""

import pytest
from babel.messages.catalog import Catalog
from django.core.management import call_command

from media_center.management.commands.i18n import _problems


def test_translations_are_complete_and_up_to_date():
    call_command("i18n", "check")


def make_catalog(entries):
    catalog = Catalog(locale="id")
    for msgid, msgstr, flags in entries:
        catalog.add(msgid, msgstr, flags=flags)
    return catalog


@pytest.mark.parametrize(
    ("po_entries", "expected"),
    [
        ([("Save", "", ())], "not translated"),
        ([("Save", "Simpan", ("fuzzy",))], "fuzzy"),
        ([], "missing"),
        ([("Save", "Simpan", ()), ("Old", "Lama", ())], "no longer in the code"),
    ],
)
def test_the_check_finds_each_kind_of_problem(po_entries, expected):
    code = make_catalog([("Save", "", ())])
    problems = _problems(code, make_catalog(po_entries), "x.po")
    assert any(expected in problem for problem in problems), problems


def test_a_complete_catalog_passes():
    code = make_catalog([("Save", "", ())])
    assert _problems(code, make_catalog([("Save", "Simpan", ())]), "x.po") == []
