from django import forms
from django.contrib.auth.models import Group
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Division, User
from core.widgets import PortalDateInput

from .models import Asset
from .params import IdModelChoiceField, parse_id
from .selectors import SORTS, theme_list, uploader_list
from .services import FOLDER_RIGHTS

SORT_LABELS = {
    "-date": _("Newest event first"),
    "date": _("Oldest event first"),
    "title": _("Title A to Z"),
    "-title": _("Title Z to A"),
    "-uploaded": _("Latest uploads"),
}


class FolderSelect(forms.Select):
    """A select of what may be thousands of folders, written in one pass (Django's own select
    renders a template per option, which is slow at that size)."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        chosen = "" if value is None else str(value)
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (key, mark_safe(" selected") if str(key) == chosen else "", label)
                for key, label in self.choices
            ),
        )
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(final), options)


DateInput = PortalDateInput


class LibraryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    theme = IdModelChoiceField(
        label=_("Theme"), queryset=theme_list(), required=False, empty_label=_("All themes")
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All kinds")), *Asset.Kind.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *Asset.Status.choices], required=False
    )
    date_from = forms.DateField(label=_("Event from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Event until"), required=False, widget=DateInput())
    uploader = IdModelChoiceField(
        label=_("Uploaded by"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Anyone"),
    )
    division = IdModelChoiceField(
        label=_("Division"),
        queryset=Division.objects.all(),
        required=False,
        empty_label=_("All divisions"),
    )
    include_subfolders = forms.BooleanField(label=_("Include subfolders"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort"), choices=[(k, SORT_LABELS[k]) for k in SORTS], required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["uploader"].queryset = uploader_list()
        self.fields["theme"].queryset = theme_list()

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "q": data.get("q") or "",
            "theme": data.get("theme"),
            "kind": data.get("kind") or "",
            "status": data.get("status") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "uploader": data.get("uploader"),
            "division": data["division"].pk if data.get("division") else None,
            "sort": data.get("sort") or "-date",
        }


class AssetForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    folder = forms.TypedChoiceField(label=_("Folder"), coerce=int, widget=FolderSelect)
    theme = IdModelChoiceField(
        label=_("Theme"), queryset=theme_list(), required=False, empty_label=_("No theme")
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=1000,
        help_text=_("Separate tags with commas, e.g. banjir, bantuan sosial"),
    )
    event_date = forms.DateField(label=_("Event date"), widget=DateInput())
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    credit = forms.CharField(label=_("Photographer / credit"), required=False, max_length=150)
    location = forms.CharField(label=_("Location"), required=False, max_length=200)

    def __init__(self, *args, folder_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["folder"].choices = folder_choices
        self.fields["theme"].queryset = theme_list()


class UploadForm(forms.Form):
    """The upload page's defaults for every file (and the single-file form without JavaScript)."""

    folder = forms.TypedChoiceField(label=_("Folder"), coerce=int, widget=FolderSelect)
    title = forms.CharField(
        label=_("Title"),
        required=False,
        max_length=200,
        help_text=_("Left blank, each file's name becomes its title."),
    )
    theme = IdModelChoiceField(
        label=_("Theme"), queryset=theme_list(), required=False, empty_label=_("No theme")
    )
    tags = forms.CharField(label=_("Tags"), required=False, max_length=1000)
    date = forms.DateField(
        label=_("Event date"),
        required=False,
        widget=DateInput(),
        help_text=_("Left blank, the date is read from the photo or video itself."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    credit = forms.CharField(label=_("Photographer / credit"), required=False, max_length=150)
    location = forms.CharField(label=_("Location"), required=False, max_length=200)
    file = forms.FileField(label=_("File"), required=False)

    def __init__(self, *args, folder_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["folder"].choices = folder_choices
        self.fields["theme"].queryset = theme_list()


BULK_ACTIONS = [
    ("move", _("Move to folder")),
    ("theme", _("Set theme")),
    ("tags", _("Add tags")),
    ("date", _("Set event date")),
    ("trash", _("Move to trash")),
]


class BulkForm(forms.Form):
    ids = forms.TypedMultipleChoiceField(coerce=parse_id, choices=[], required=True)
    action = forms.ChoiceField(label=_("With the selected"), choices=BULK_ACTIONS)
    folder = forms.TypedChoiceField(
        label=_("Folder"), coerce=int, required=False, empty_value=None, widget=FolderSelect
    )
    theme = IdModelChoiceField(
        label=_("Theme"), queryset=theme_list(), required=False, empty_label=_("No theme")
    )
    tags = forms.CharField(label=_("Tags"), required=False, max_length=1000)
    event_date = forms.DateField(label=_("Event date"), required=False, widget=DateInput())

    def __init__(self, *args, folder_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["folder"].choices = [("", "—"), *folder_choices]
        self.fields["theme"].queryset = theme_list()
        values = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        self.fields["ids"].choices = [(v, v) for v in values]
        self.fields["ids"].error_messages["required"] = _("Select at least one asset first.")

    def clean(self):
        data = super().clean()
        action = data.get("action")
        needed = {"move": "folder", "theme": "theme", "tags": "tags", "date": "event_date"}
        field = needed.get(action)
        if field and not data.get(field):
            self.add_error(field, _("Fill this in for the chosen action."))
        return data


class FolderForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=300)
    parent = forms.TypedChoiceField(
        label=_("Inside folder"), coerce=int, required=False, empty_value=None, widget=FolderSelect
    )
    division = IdModelChoiceField(
        label=_("Division"),
        queryset=Division.objects.all(),
        required=False,
        empty_label=_("Choose a division"),
    )
    restricted = forms.BooleanField(
        label=_("Restricted"),
        required=False,
        help_text=_(
            "Only the folder's division, and the people or groups you give rights, may see it."
        ),
    )

    def __init__(
        self, *args, folder_choices=(), allow_top=True, divisions=None, may_restrict=True, **kwargs
    ):
        super().__init__(*args, **kwargs)
        top = [("", _("— top level —"))] if allow_top else []
        self.fields["parent"].choices = [*top, *folder_choices]
        if not allow_top:
            self.fields["parent"].required = True
        if divisions is not None:  # people other than the Kepala Dinas and the Admin: their own
            self.fields["division"].queryset = divisions
        if not may_restrict:
            del self.fields["restricted"]


class FolderAccessForm(forms.Form):
    user = IdModelChoiceField(
        label=_("Person"),
        queryset=User.objects.filter(is_active=True),
        required=False,
        empty_label=_("Choose a person"),
    )
    group = IdModelChoiceField(
        label=_("Group"),
        queryset=Group.objects.all(),
        required=False,
        empty_label=_("Choose a group"),
    )
    rights = forms.MultipleChoiceField(
        label=_("Rights"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[
            ("view", _("View")),
            ("add", _("Add")),
            ("change", pgettext_lazy("permission", "Change")),
            ("delete", _("Delete")),
        ],
    )

    def clean(self):
        data = super().clean()
        if bool(data.get("user")) == bool(data.get("group")):
            raise forms.ValidationError(_("Choose one person or one group."))
        unknown = set(data.get("rights") or []) - set(FOLDER_RIGHTS)
        if unknown:
            raise forms.ValidationError(_("Unknown right."))
        return data
