"""Forms of the publishing pages: they parse and show input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assets.crops import Crop, CropError
from core import params
from core.widgets import PortalDateInput, PortalDateTimeInput

from .drivers.registry import variants as platform_variants
from .models import Platform, PostStatus


def variant_fields() -> dict[str, str]:
    """The composer's field of each platform that takes a text of its own, by platform
    (``variant_<platform>``), as the drivers declare (``facts.variant``)."""
    return {platform: f"variant_{platform}" for platform in platform_variants()}


DateTimeLocalInput = PortalDateTimeInput


class PostForm(forms.Form):
    """The composer. Channels and assets arrive as lists of ids (checkboxes); the service checks
    that the person may use each one."""

    title = forms.CharField(
        label=_("Working title"),
        max_length=200,
        required=False,
        help_text=_("For the office's lists and calendar; not published."),
    )
    public_title = forms.CharField(
        label=_("Public title"),
        max_length=150,
        required=False,
        help_text=_(
            "The heading on the public pages, feeds and link previews. Empty: the text's first "
            "line."
        ),
    )
    text = forms.CharField(
        label=_("Text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=63206,
    )
    link = forms.URLField(label=_("Link"), required=False, max_length=500, assume_scheme="https")
    first_comment = forms.CharField(
        label=_("First comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2200,
    )
    thread = forms.BooleanField(label=_("Split long text into a thread on X"), required=False)
    scheduled_at = forms.DateTimeField(
        label=_("Publish at (WIB)"),
        required=False,
        widget=DateTimeLocalInput(),
        help_text=_("Leave empty to publish as soon as it is approved."),
    )
    is_public = forms.BooleanField(label=_("Show on the public pages"), required=False)

    def __init__(self, *args, channel_ids=None, asset_ids=None, crops=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._add_variant_fields()
        data = self.data if self.is_bound else {}
        self.channel_ids = channel_ids if channel_ids is not None else _ids(data, "channels")
        self.asset_ids = asset_ids if asset_ids is not None else _ids(data, "assets")
        self.crop_error = ""
        if crops is None:
            crops, self.crop_error = _crops(data)
        # Instagram's crop per chosen photo (``crop`` fields: "<asset id>:<shape>:<x>:<y>").
        self.crops = {pk: crop for pk, crop in crops.items() if pk in self.asset_ids}

    def _add_variant_fields(self) -> None:
        """One text per platform that takes its own, right after the post's text."""
        fields = {}
        for name, field in self.fields.items():
            fields[name] = field
            if name == "text":
                for platform, variant in platform_variants().items():
                    fields[f"variant_{platform}"] = forms.CharField(
                        label=variant.label,
                        required=False,
                        widget=forms.Textarea(attrs={"rows": variant.rows}),
                    )
        self.fields = fields

    def variant_tabs(self) -> list[tuple[str, str, forms.BoundField]]:
        """Per platform that takes its own text: its value, its name and its field."""
        labels = dict(Platform.choices)
        return [(platform, labels[platform], self[name])
                for platform, name in variant_fields().items()]  # fmt: skip

    def clean(self):
        if self.crop_error:
            self.add_error(None, self.crop_error)
        return super().clean()

    def variants(self) -> dict[str, str]:
        return {platform: self.cleaned_data.get(name) or "" for platform, name in
                variant_fields().items()}  # fmt: skip

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "public_title": data["public_title"],
            "text": data["text"],
            "variants": self.variants(),
            "asset_ids": self.asset_ids,
            "channel_ids": self.channel_ids,
            "scheduled_at": data["scheduled_at"],
            "first_comment": data["first_comment"],
            "link": data["link"],
            "thread": data["thread"],
            "is_public": data["is_public"],
            "crops": self.crops,
        }


def _crops(data) -> tuple[dict[int, Crop], str]:
    """The crops sent with the form, and why one of them is refused (empty: none is)."""
    values = data.getlist("crop") if hasattr(data, "getlist") else data.get("crop") or []
    crops: dict[int, Crop] = {}
    for value in values if isinstance(values, list) else [values]:
        pk, _sep, rest = str(value).partition(":")
        ratio, _sep, point = rest.partition(":")
        x, _sep, y = point.partition(":")
        try:
            if not pk.isdigit():
                raise CropError(_("Choose the photo to crop."))
            crops[int(pk)] = Crop.parse(ratio, x, y)
        except CropError as exc:
            return {}, str(exc)
    return crops, ""


def _ids(data, name: str) -> list[int]:
    """The ids of a list field; an item that is no id answers 400 (``core.params``)."""
    values = data.getlist(name) if hasattr(data, "getlist") else data.get(name) or []
    if isinstance(values, (str, int)):
        values = [values]
    return params.id_list([str(value) for value in values], name=name)


def initial_for(post) -> dict:
    variants = {v.platform: v.text for v in post.variants.all()}
    initial = {
        "title": post.title,
        "public_title": post.public_title,
        "text": post.text,
        "link": post.link,
        "first_comment": post.first_comment,
        "thread": post.thread,
        "scheduled_at": timezone.localtime(post.scheduled_at) if post.scheduled_at else None,
        "is_public": post.is_public,
    }
    for platform, name in variant_fields().items():
        initial[name] = variants.get(platform, "")
    return initial


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment for the author"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RescheduleForm(forms.Form):
    scheduled_at = forms.DateTimeField(
        label=_("New time (WIB)"),
        widget=DateTimeLocalInput(),
        required=False,
    )
    date = forms.DateField(
        label=pgettext_lazy("calendar", "Move to date"),
        required=False,
        widget=PortalDateInput(),
    )


class PostFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *list(PostStatus.choices)],
    )
    mine = forms.BooleanField(label=_("Only mine"), required=False)
