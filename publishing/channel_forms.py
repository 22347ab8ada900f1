"""Forms of the channel pages. They parse only; the services check rights and save."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from .models import AccountGroup, Currency


class StaffChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        division = obj.division.short_name if obj.division else _("no division")
        return f"{obj.get_full_name()} ({division})"


class ChannelForm(forms.Form):
    """A channel's facts and who is responsible for it. There is no credential field: a login
    reaches a channel only through "Connect" or the vault, so no credential id can be pushed in."""

    name = forms.CharField(label=_("Display name"), max_length=150)
    handle = forms.CharField(label=_("Handle"), max_length=100)
    account_group = forms.ChoiceField(label=_("Account group"), choices=AccountGroup.choices)
    external_id = forms.CharField(
        label=_("Account id on the platform"),
        max_length=100,
        required=False,
        help_text=_("Filled in when the account is connected."),
    )
    platform_two_factor = forms.BooleanField(
        label=_("Two-factor sign-in is on for the platform account"), required=False
    )
    responsible_division = forms.ModelChoiceField(
        label=_("Responsible division"), queryset=None, required=False, empty_label=_("None yet")
    )
    staff = StaffChoiceField(
        label=_("Staff who run it"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, divisions, staff, options=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_division"].queryset = divisions
        self.fields["staff"].queryset = staff
        # The choices the channel's driver offers (``DriverFacts.channel_options``).
        self.option_names = []
        for option in options:
            name = f"option_{option.name}"
            self.option_names.append(option.name)
            if option.choices:
                self.fields[name] = forms.ChoiceField(
                    label=option.label, choices=option.choices, help_text=option.help_text
                )
            else:
                self.fields[name] = forms.CharField(
                    label=option.label,
                    max_length=option.max_length,
                    required=False,
                    help_text=option.help_text,
                )

    def option_values(self) -> dict[str, str]:
        return {name: self.cleaned_data[f"option_{name}"] for name in self.option_names}


class ChannelUsageForm(forms.Form):
    """How often a per-call platform account is polled, what a call costs, and the ceiling."""

    poll_minutes = forms.IntegerField(
        label=_("Poll every (minutes)"),
        min_value=0,
        max_value=7 * 24 * 60,
        required=False,
        help_text=_("Empty: the portal's default. 0: never poll this account."),
    )
    call_price = forms.DecimalField(
        label=_("Price per API call"),
        min_value=0,
        max_digits=14,
        decimal_places=4,
        required=False,
        localize=True,
    )
    call_price_currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    monthly_call_ceiling = forms.IntegerField(
        label=_("API calls per month before polling stops"),
        min_value=1,
        max_value=100_000_000,
        required=False,
        help_text=_(
            "Sync and insights stop reading the account at this count; publishing goes on."
        ),
    )
