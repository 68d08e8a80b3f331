"""Forms of the assessment pages. They only parse input: the rules are in services.py."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments import scoring
from hub.choices import Role
from hub.formats import person_name
from hub.widgets import use_lookup


class ConsultantChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        name = person_name(user)
        membership = getattr(user, "membership", None)
        return f"{name} · {membership.organization.name}" if membership else name


class AssessmentOpenForm(forms.Form):
    consultant = ConsultantChoiceField(
        label=_("consultant"),
        queryset=get_user_model().objects.none(),
        help_text=_("The consultant who visits the plant and fills the assessment."),
    )
    due_on = forms.DateField(
        label=_("due on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("When the completed assessment should be submitted."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consultant"].queryset = (
            get_user_model()
            .objects.filter(membership__role=Role.CONSULTANT, is_active=True)
            .select_related("membership__organization")
            .order_by("last_name", "first_name", "username")
        )
        use_lookup(self, "consultant", "consultant")


RATING_CHOICES = [
    (value, str(value)) for value in range(scoring.MIN_RATING, scoring.MAX_RATING + 1)
]


class ItemRatingForm(forms.Form):
    """One item of the fill page. Every item has its own form (prefix = item id) so that a
    change saves just that item."""

    rating = forms.TypedChoiceField(
        label=_("rating"),
        choices=RATING_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    not_applicable = forms.BooleanField(label=_("Not applicable"), required=False)
    # hx-preserve: a save answered while the consultant types on must not overwrite the text.
    na_reason = forms.CharField(
        label=_("Why it does not apply"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "hx-preserve": "true"}),
    )
    evidence_note = forms.CharField(
        label=_("evidence note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "hx-preserve": "true"}),
        help_text=_("What you saw or were shown: documents, systems, records."),
    )

    @classmethod
    def for_rating(cls, rating, *, data=None):
        """The form of one ItemRating: bound to `data` when given, else showing the stored
        values."""
        prefix = f"i{rating.item_id}"
        if data is not None:
            return cls(data, prefix=prefix)
        return cls(
            prefix=prefix,
            initial={
                "rating": rating.rating,
                "not_applicable": rating.not_applicable,
                "na_reason": rating.na_reason,
                "evidence_note": rating.evidence_note,
            },
        )


class EvidenceUploadForm(forms.Form):
    file = forms.FileField(label=_("Add a file"))


class AssessmentSubmitForm(forms.Form):
    assessed_on = forms.DateField(
        label=_("assessed on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Date of the on-site assessment; today when left empty."),
    )

    def __init__(self, *args, assessment=None, **kwargs):
        super().__init__(*args, **kwargs)
        if assessment is not None and not self.is_bound:
            self.initial["assessed_on"] = assessment.assessed_on or timezone.localdate()


class AssessmentReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for return"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The consultant sees this text on the assessment."),
    )


class AssessmentCompareForm(forms.Form):
    """Two assessments to set side by side (choices: those the user may see)."""

    a = forms.TypedChoiceField(label=_("Assessment A"), coerce=int)
    b = forms.TypedChoiceField(label=_("Assessment B"), coerce=int)

    def __init__(self, *args, assessments=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(a.pk, assessment_choice_label(a)) for a in assessments]
        self.fields["a"].choices = choices
        self.fields["b"].choices = choices


def assessment_choice_label(assessment) -> str:
    day = assessment.assessed_on or assessment.opened_at.date()
    parts = [f"#{assessment.pk}", day.isoformat(), str(assessment.get_status_display())]
    if assessment.final_level is not None:
        parts.append(str(_("Level %(level)s") % {"level": assessment.final_level}))
    return " · ".join(parts)
