"""Forms of the sync pages: a rule (a text transform per target, as in the API) and the acceptance
of a repost suggestion."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..drivers.registry import facts_of
from ..models import Channel
from .models import SyncKinds


class SyncRuleForm(forms.Form):
    """A rule; each channel offered as a target carries its own text transform (a hashtag, a link
    back, shortening for X), as the API takes one per target."""

    source = forms.ModelChoiceField(queryset=Channel.objects.none(), label=_("Source channel"))
    targets = forms.ModelMultipleChoiceField(
        queryset=Channel.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label=_("Target channels"),
    )
    kinds = forms.ChoiceField(choices=SyncKinds.choices, label=_("Which posts"))
    needs_approval = forms.BooleanField(required=False, label=_("Mirrored posts wait for approval"))
    propagate_deletions = forms.BooleanField(
        required=False, label=_("Delete the mirrors when the source post is deleted")
    )
    enabled = forms.BooleanField(required=False, initial=True, label=_("Enabled"))

    def __init__(self, *args, channels=None, transforms=None, **kwargs):
        """``transforms``: the current transform of each target, by channel id (a rule's)."""
        super().__init__(*args, **kwargs)
        queryset = channels if channels is not None else Channel.objects.filter(is_active=True)
        self.fields["source"].queryset = queryset
        self.fields["targets"].queryset = queryset
        self.channels = list(queryset)
        transforms = transforms or {}
        for channel in self.channels:
            current = transforms.get(channel.pk, {})
            self.fields[f"add_hashtag_{channel.pk}"] = forms.CharField(
                required=False,
                max_length=100,
                label=_("Add a hashtag"),
                help_text=_("For example #Bojonegoro"),
                initial=current.get("add_hashtag", ""),
            )
            self.fields[f"link_back_{channel.pk}"] = forms.BooleanField(
                required=False,
                label=_("Add a link to the source post"),
                initial=current.get("link_back", False),
            )
            if facts_of(channel.driver).shortens:
                # The stored and sent name stays the one of the first such platform, X.
                self.fields[f"shorten_for_x_{channel.pk}"] = forms.BooleanField(
                    required=False,
                    label=_("Shorten for %(platform)s with a link to the source post")
                    % {"platform": channel.get_platform_display()},
                    initial=current.get("shorten_for_x", False),
                )

    def target_rows(self) -> list[dict]:
        """Per channel: its target checkbox and the fields of its transform (for the template)."""
        boxes = {str(box.data["value"]): box for box in self["targets"]}
        rows = []
        for channel in self.channels:
            pk = channel.pk
            rows.append(
                {
                    "channel": channel,
                    "box": boxes.get(str(pk)),
                    "fields": [
                        self[name]
                        for name in (
                            f"add_hashtag_{pk}",
                            f"link_back_{pk}",
                            f"shorten_for_x_{pk}",
                        )
                        if name in self.fields
                    ],
                }
            )
        return rows

    def transform_of(self, channel: Channel) -> dict:
        """The transform chosen for ``channel`` (valid form only)."""
        data = self.cleaned_data
        return {
            "add_hashtag": data.get(f"add_hashtag_{channel.pk}", ""),
            "link_back": bool(data.get(f"link_back_{channel.pk}")),
            "shorten_for_x": bool(data.get(f"shorten_for_x_{channel.pk}")),
        }


class AcceptForm(forms.Form):
    channels = forms.ModelMultipleChoiceField(
        queryset=Channel.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label=_("Repost to"),
    )
    comment = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("Comment (optional)")
    )

    def __init__(self, *args, channels=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channels"].queryset = (
            channels if channels is not None else Channel.objects.none()
        )
