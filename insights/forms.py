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


class PartnerFilter(forms.Form):
    period = forms.ChoiceField(choices=PERIOD_CHOICES, required=False, label=_("Period"))
    start = forms.DateField(required=False, label=_("From"),
                            widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    end = forms.DateField(required=False, label=_("Until"),
                          widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip

    def clean(self):
        data = super().clean()
        if data.get("period") == "custom" and not (data.get("start") and data.get("end")):
            raise forms.ValidationError(_("Choose both dates for a chosen period."))
        return data


class ReportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=())
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    number = forms.IntegerField(label=_("Month or quarter"), min_value=1, max_value=12,
                                required=False, initial=1,
                                help_text=_("1 to 12 for a month, 1 to 4 for a quarter."))  # fmt: skip
    division = forms.ModelChoiceField(queryset=None, required=False, label=_("Division"),
                                      empty_label=_("The whole office"))  # fmt: skip
    account_group = forms.ChoiceField(label=_("Account group"), required=False, choices=())

    def __init__(self, *args, divisions, **kwargs):
        from publishing.models import AccountGroup

        from .models import ReportKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = ReportKind.choices
        self.fields["division"].queryset = divisions.order_by("name")
        self.fields["account_group"].choices = [("", _("All account groups")),
                                                *AccountGroup.choices]  # fmt: skip

    def clean(self):
        data = super().clean()
        kind, number = data.get("kind"), data.get("number") or 1
        limit = {"month": 12, "quarter": 4, "year": 12}.get(kind or "", 12)
        if number > limit:
            self.add_error("number", _("A quarter is numbered 1 to 4."))
        if data.get("division") and data.get("account_group"):
            raise forms.ValidationError(_("Choose a division or an account group, not both."))
        data["number"] = number
        return data
