from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import User
from core.widgets import PortalDateInput

from .models import DEFAULT_QUESTION
from .origins import normalise_origin
from .selectors import Unit


class SurveyForm(forms.Form):
    question = forms.CharField(
        label=_("Question"), max_length=300, initial=DEFAULT_QUESTION, strip=True
    )
    slug = forms.SlugField(
        label=_("Address"),
        max_length=60,
        required=False,
        help_text=_("Letters, digits and hyphens; made from the question when left empty."),
    )
    featured = forms.BooleanField(label=_("Show in the widget of the public pages"), required=False)


class QuestionForm(forms.Form):
    question = forms.CharField(label=_("Question"), max_length=300, strip=True)


class ResultsFilterForm(forms.Form):
    unit = forms.ChoiceField(
        label=pgettext_lazy("results by period", "Group"),
        choices=Unit.choices,
        initial=Unit.DAY,
        required=False,
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=PortalDateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=PortalDateInput())

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data


class EmbedSiteForm(forms.Form):
    origin = forms.CharField(label=_("Site address"), max_length=200)
    name = forms.CharField(label=_("Name"), max_length=150, required=False)

    def clean_origin(self) -> str:
        try:
            return normalise_origin(self.cleaned_data["origin"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["origin"]) from None


class StaffChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        division = obj.division.short_name if obj.division else _("no division")
        return f"{obj.get_full_name()} ({division})"


class WebsiteForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    address = forms.URLField(
        label=_("Address"), max_length=300, assume_scheme="https", widget=forms.URLInput()
    )
    responsible_division = forms.ModelChoiceField(
        label=_("Responsible division"),
        queryset=None,
        required=False,
        empty_label=_("None yet"),
    )
    staff = StaffChoiceField(
        label=_("Staff who run it"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    platform_two_factor = forms.BooleanField(
        label=_("Two-factor sign-in is on for its admin panel"), required=False
    )
    credential = forms.ModelChoiceField(
        label=_("Admin login (from the vault)"),
        queryset=None,
        required=False,
        empty_label=_("Not in the vault yet"),
        help_text=_("Or add a new login for it from its vault page."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, divisions, staff, credentials, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_division"].queryset = divisions
        self.fields["staff"].queryset = staff
        self.fields["credential"].queryset = credentials


class GuidelineForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    regulation_number = forms.CharField(
        label=_("Regulation number"),
        max_length=120,
        help_text=_("e.g. Peraturan Kepala Dinas Nomor 3 Tahun 2026"),
    )
    regulation_date = forms.DateField(
        label=_("Regulation date"),
        widget=PortalDateInput(),
    )
    rotation_days = forms.IntegerField(
        label=_("Password rotation period (days)"), min_value=7, max_value=730, initial=90
    )
    body = forms.CharField(
        label=_("Text"),
        max_length=200_000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "true"}),
        help_text=_(
            "Markdown: # Heading, **bold**, - list item, 1. numbered item, [link](https://…)."
        ),
    )
    change_note = forms.CharField(label=_("What changed"), max_length=300, required=False)
