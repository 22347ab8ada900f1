from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

PERIOD_CHOICES = [
    ("week", _("Last 7 days")),
    ("month", _("Last 30 days")),
    ("quarter", _("Last 3 months")),
    ("year", _("Last 12 months")),
    ("custom", _("Chosen dates")),
]


class OverviewFilter(forms.Form):
    channel = forms.ModelChoiceField(queryset=None, required=False, label=_("Channel"),
                                     empty_label=_("All channels"))  # fmt: skip
    division = forms.ModelChoiceField(queryset=None, required=False, label=_("Division"),
                                      empty_label=_("All divisions"))  # fmt: skip
    period = forms.ChoiceField(choices=PERIOD_CHOICES, required=False, label=_("Period"))
    start = forms.DateField(required=False, label=_("From"),
                            widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    end = forms.DateField(required=False, label=_("Until"),
                          widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip

    def __init__(self, *args, channels, divisions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = channels.order_by("platform", "name")
        self.fields["division"].queryset = divisions.order_by("name")

    def clean(self):
        data = super().clean()
        if data.get("period") == "custom" and not (data.get("start") and data.get("end")):
            raise forms.ValidationError(_("Choose both dates for a chosen period."))
        return data
