from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DEFAULT_QUESTION
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
        label=_("Group"), choices=Unit.choices, initial=Unit.DAY, required=False
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data


class EmbedSiteForm(forms.Form):
    origin = forms.CharField(label=_("Site address"), max_length=200)
    name = forms.CharField(label=_("Name"), max_length=150, required=False)
