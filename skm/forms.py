from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AgeGroup, Education, Occupation, PeriodKind, Question, Sex

PROFILE_LABELS = {
    "sex": _("Sex"),
    "age_group": _("Age"),
    "education": _("Education"),
    "occupation": _("Occupation"),
}


def _submission_field(form: forms.Form) -> None:
    from .services import submission_new

    form.fields["submission"] = forms.CharField(
        required=False, max_length=32, widget=forms.HiddenInput, initial=submission_new
    )


def _profile_fields(form: forms.Form, widget: type[forms.Widget]) -> None:
    for name, choices in (
        ("sex", Sex.choices),
        ("age_group", AgeGroup.choices),
        ("education", Education.choices),
        ("occupation", Occupation.choices),
    ):
        form.fields[name] = forms.ChoiceField(
            label=PROFILE_LABELS[name], choices=choices, widget=widget
        )
    form.fields["comment"] = forms.CharField(
        label=_("Comment or suggestion (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
    )


class PublicResponseForm(forms.Form):
    """The public questionnaire: the nine questions as the service words them, the profile."""

    def __init__(self, *args, questions: list[Question], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for q in questions:
            self.fields[f"u{q.element}"] = forms.TypedChoiceField(
                label=q.text,
                choices=[(str(score), label) for score, label in reversed(q.labels)],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose one answer.")},
            )
        _profile_fields(self, forms.RadioSelect)
        _submission_field(self)

    def question_fields(self):
        return [self[f"u{q.element}"] for q in self.questions]

    def profile_fields(self):
        return [self[name] for name in ("sex", "age_group", "education", "occupation")]


class PaperResponseForm(forms.Form):
    """A paper questionnaire typed by staff: one digit 1-4 per element (empty: not answered)."""

    def __init__(self, *args, questions: list[Question], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for q in questions:
            self.fields[f"u{q.element}"] = forms.TypedChoiceField(
                label=f"U{q.element}",
                choices=[("", "")] + [(str(s), str(s)) for s in (1, 2, 3, 4)],
                coerce=int,
                empty_value=None,
                required=False,
                error_messages={"invalid_choice": _("Type 1, 2, 3 or 4, or leave it empty.")},
                widget=forms.TextInput(
                    attrs={
                        "inputmode": "numeric",
                        "maxlength": 1,
                        "pattern": "[1-4]",
                        "autocomplete": "off",
                        "class": "digit",
                        "title": q.text,
                        **({"autofocus": True} if q.element == 1 else {}),
                    }
                ),
            )
        _profile_fields(self, forms.Select)
        _submission_field(self)

    def clean(self):
        data = super().clean()
        if not any(data.get(f"u{q.element}") for q in self.questions):
            raise forms.ValidationError(_("Type at least one answer."))
        return data


class ServiceForm(forms.Form):
    name = forms.CharField(label=_("Service (jenis layanan)"), max_length=150)


class PeriodForm(forms.Form):
    kind = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    number = forms.IntegerField(
        label=_("Number"),
        min_value=1,
        max_value=4,
        initial=1,
        help_text=_("Quarter 1-4, semester 1-2; 1 for a year."),
    )
    population = forms.IntegerField(
        label=_("Population served"),
        min_value=1,
        max_value=100_000_000,
        help_text=_("People who used the service in the period; gives the target sample."),
    )


class FollowUpForm(forms.Form):
    element = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=9)
    plan = forms.CharField(
        label=_("Follow-up plan"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    due = forms.CharField(label=_("When"), required=False, max_length=100)


class PublishForm(forms.Form):
    conclusion = forms.CharField(
        label=_("Conclusions"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
