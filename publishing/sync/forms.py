"""Forms of the sync pages: a rule (one text transform for all its targets; the API sets one per
target) and the acceptance of a repost suggestion."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Channel
from .models import SyncKinds


class SyncRuleForm(forms.Form):
    source = forms.ModelChoiceField(queryset=Channel.objects.none(), label=_("Source channel"))
    targets = forms.ModelMultipleChoiceField(
        queryset=Channel.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label=_("Target channels"),
    )
    kinds = forms.ChoiceField(choices=SyncKinds.choices, label=_("Which posts"))
    add_hashtag = forms.CharField(
        required=False,
        max_length=100,
        label=_("Add a hashtag"),
        help_text=_("For example #Bojonegoro"),
    )
    link_back = forms.BooleanField(required=False, label=_("Add a link to the source post"))
    shorten_for_x = forms.BooleanField(
        required=False, label=_("Shorten for X with a link to the source post")
    )
    needs_approval = forms.BooleanField(required=False, label=_("Mirrored posts wait for approval"))
    propagate_deletions = forms.BooleanField(
        required=False, label=_("Delete the mirrors when the source post is deleted")
    )
    enabled = forms.BooleanField(required=False, initial=True, label=_("Enabled"))

    def __init__(self, *args, channels=None, **kwargs):
        super().__init__(*args, **kwargs)
        queryset = channels if channels is not None else Channel.objects.filter(is_active=True)
        self.fields["source"].queryset = queryset
        self.fields["targets"].queryset = queryset


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
