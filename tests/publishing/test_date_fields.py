"""Dates and times read as an Indonesian writes them: 04/12/2026 and 14.30 (24-hour), in the
fields and their picker; the server reads that form (and ISO), never month first."""

from datetime import datetime

import pytest
from django.utils import timezone, translation

from assets.forms import AssetForm
from publishing.forms import PostForm, RescheduleForm

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "typed",
    ["04/12/2026 14.30", "04/12/2026 14:30", "2026-12-04T14:30", "2026-12-04 14:30"],
)
def test_the_composer_reads_indonesian_and_iso_times(typed):
    with translation.override("id"):
        form = PostForm({"text": "x", "scheduled_at": typed})
        assert form.is_valid(), form.errors
    when = timezone.localtime(form.cleaned_data["scheduled_at"])
    assert (when.year, when.month, when.day, when.hour, when.minute) == (2026, 12, 4, 14, 30)
    assert when.tzname() == "WIB"


def test_a_day_first_date_is_never_read_month_first():
    with translation.override("id"):
        form = RescheduleForm({"date": "04/12/2026"})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["date"].month == 12


def test_the_fields_show_the_indonesian_form_as_text():
    moment = timezone.make_aware(datetime(2026, 12, 4, 14, 30))
    with translation.override("id"):
        html = str(RescheduleForm(initial={"scheduled_at": moment})["scheduled_at"])
        assert 'type="text"' in html and 'value="04/12/2026 14.30"' in html
        assert 'placeholder="dd/mm/yyyy hh.mm"' in html and 'data-picker="datetime"' in html
        assert "datetime-local" not in html and "mm/dd/yyyy" not in html
    with translation.override("en"):
        html = str(RescheduleForm(initial={"scheduled_at": moment})["scheduled_at"])
        assert 'value="2026-12-04 14:30"' in html


def test_the_library_date_field_is_text_too():
    with translation.override("id"):
        form = AssetForm(initial={"event_date": datetime(2026, 12, 4).date()})
        html = str(form["event_date"])
    assert 'type="text"' in html and 'value="04/12/2026"' in html
