"""Forms of the boosts' pages: they parse and show input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.widgets import PortalDateTimeInput

from .models import AdAccount, BoostRequest, BudgetLine, ReceiptKind


class BudgetLineForm(forms.ModelForm):
    class Meta:
        model = BudgetLine
        fields = ["code", "name", "ceiling", "year"]


class AdAccountForm(forms.ModelForm):
    account_id = forms.CharField(
        label=_("Meta ad account id"), max_length=44,
        help_text=_("The number after act_ in Meta's Business Manager."),
    )  # fmt: skip

    class Meta:
        model = AdAccount
        fields = ["name", "account_id", "is_active"]


class BoostRequestForm(forms.ModelForm):
    submit = forms.BooleanField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = BoostRequest
        fields = [
            "ad_account", "budget_line", "goal", "budget_kind", "amount", "start", "end",
            "audience", "region_key", "latitude", "longitude", "radius_km", "age_min", "age_max",
            "social_issue", "reason",
        ]  # fmt: skip
        widgets = {
            "start": PortalDateTimeInput(),
            "end": PortalDateTimeInput(),
            "goal": forms.RadioSelect,
            "budget_kind": forms.RadioSelect,
            "audience": forms.RadioSelect,
            "reason": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "start": _("Western Indonesian Time (WIB)."),
            "end": _("Western Indonesian Time (WIB)."),
            "region_key": _("Empty: the regency's key set for the portal."),
        }

    def __init__(self, *args, lines=None, accounts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if lines is not None:
            self.fields["budget_line"].queryset = lines
        if accounts is not None:
            self.fields["ad_account"].queryset = accounts
        self.fields["amount"].widget.attrs.update({"inputmode": "numeric", "min": 1})


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip


class StopForm(forms.Form):
    reason = forms.CharField(label=_("Why"), required=False, max_length=300)


class ReceiptForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ReceiptKind.choices)
    file = forms.FileField(label=_("File"))
    note = forms.CharField(label=_("Note"), required=False, max_length=200)
