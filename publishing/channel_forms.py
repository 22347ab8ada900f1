"""Forms of the channel pages. They parse only; the services check rights and save."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from .models import AccountGroup


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

    def __init__(self, *args, divisions, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_division"].queryset = divisions
        self.fields["staff"].queryset = staff
