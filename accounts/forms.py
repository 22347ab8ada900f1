from django import forms
from django.utils.translation import gettext_lazy as _

from core import params
from core.widgets import PortalDateInput, PortalDateTimeInput

from .models import SECRET_FIELDS


class TokenForm(forms.Form):
    """A code from the authenticator app (six digits) or, where ``recovery`` is allowed, one of
    the person's recovery codes."""

    token = forms.CharField(
        label=_("Six-digit code from your authenticator app"),
        min_length=6,
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def __init__(self, *args, recovery: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.recovery = recovery
        if recovery:
            self.fields["token"].label = _("Code from your authenticator app, or a recovery code")
            self.fields["token"].widget.attrs["inputmode"] = "text"

    def clean_token(self) -> str:
        from .services import recovery_code_looks_valid

        token = self.cleaned_data["token"].replace(" ", "")
        if self.recovery and recovery_code_looks_valid(token):
            return token
        if not token.isdigit() or not 6 <= len(token) <= 8:
            raise forms.ValidationError(_("The code is made of digits only."))
        return token


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Who"), required=False)
    action = forms.ChoiceField(label=_("What"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=PortalDateInput())
    date_to = forms.DateField(label=_("Until"), required=False, widget=PortalDateInput())

    def __init__(self, *args, actions: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        from .events import event_label

        labelled = sorted((event_label(a), a) for a in actions)
        self.fields["action"].choices = [("", _("All"))] + [(a, label) for label, a in labelled]

    def _day(self, name: str):
        # Year 1 or 9999 parses as a date but cannot become a moment in WIB (a 500 before).
        try:
            return params.check_day(self.cleaned_data.get(name), name=str(self.fields[name].label))
        except params.BadParameter as exc:
            raise forms.ValidationError(exc.message) from None

    def clean_date_from(self):
        return self._day("date_from")

    def clean_date_to(self):
        return self._day("date_to")


# --- the vault ----------------------------------------------------------------------------------


class CredentialForm(forms.Form):
    """The fields of one kind of credential. ``mode``: ``create``, ``edit`` or ``rotate``.

    Secret parts are typed in password boxes that never show a stored value back; in ``edit``
    mode an empty part keeps what is stored. The form only parses: the service validates and saves.
    """

    label = forms.CharField(
        label=_("Label"),
        max_length=200,
        required=False,
        help_text=_("What it opens, in your words, e.g. “Admin panel of the regency's website”."),
    )
    target = forms.ChoiceField(label=_("Unlocks"), required=False)
    expires_at = forms.DateTimeField(
        label=_("Expires"),
        required=False,
        widget=PortalDateTimeInput(),
        help_text=_("Leave empty if it does not expire. Western Indonesian Time (WIB)."),
    )

    def __init__(
        self,
        *args,
        kind: str,
        mode: str = "create",
        target_choices: list[tuple[str, str]] = (),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.mode = mode
        if mode == "create":
            self.fields["target"].choices = [
                ("", _("Nothing (a system of its own)")),
                *list(target_choices),
            ]
        else:
            del self.fields["target"]
        if mode == "rotate":
            del self.fields["label"]
        self.secret_names = []
        for spec in SECRET_FIELDS[kind]:
            if mode == "rotate" and not (spec.primary or spec.secret):
                continue
            if spec.json:
                widget = forms.Textarea(
                    attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}
                )
            elif spec.secret:
                widget = forms.PasswordInput(
                    render_value=False,
                    attrs={"autocomplete": "new-password", "spellcheck": "false"},
                )
            else:
                widget = forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"})
            required = (mode == "create" and spec.required) or (mode == "rotate" and spec.primary)
            help_text = ""
            if mode == "edit":
                help_text = _("Leave empty to keep the stored value.")
            elif mode == "rotate" and spec.primary:
                help_text = _("The new value, already set on the account itself.")
            elif mode == "rotate":
                help_text = _("Leave empty to keep the stored value.")
            self.fields[f"secret_{spec.name}"] = forms.CharField(
                label=spec.label,
                required=required,
                strip=True,
                widget=widget,
                help_text=help_text,
                max_length=20000,
            )
            self.secret_names.append(spec.name)

    def secret_payload(self) -> dict[str, str]:
        return {
            name: self.cleaned_data.get(f"secret_{name}", "")
            for name in self.secret_names
            if self.cleaned_data.get(f"secret_{name}")
        }

    def add_service_errors(self, error) -> None:
        """Show a service's ``ValidationError`` on the matching fields."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, messages in error.message_dict.items():
            field = f"secret_{name}" if f"secret_{name}" in self.fields else name
            if field not in self.fields:
                field = None
            for message in messages:
                self.add_error(field, message)


class OfficeProfileForm(forms.Form):
    name = forms.CharField(label=_("Office name"), max_length=200)
    parent = forms.CharField(
        label=_("Government"),
        max_length=200,
        required=False,
        help_text=_("The line above the office name, e.g. the regency's government."),
    )
    address = forms.CharField(
        label=_("Address"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    contact = forms.CharField(
        label=_("Telephone, e-mail and website"), max_length=300, required=False
    )
    logo = forms.FileField(label=_("Logo (PNG or JPEG, at most 512 KB)"), required=False)
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
