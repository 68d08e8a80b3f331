"""Forms of the calibration pages. They only parse input: the rules are in
`assessments/services/spot_checks.py`."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from assessments.calibration_figures import QUARTER, YEAR, Filters
from assessments.choices import SpotCheckDecision
from assessments.forms import RATING_CHOICES, ConsultantChoiceField
from hub.choices import Industry, Region, Role

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _blank(choices, label):
    return [("", label), *choices]


class CalibrationFilterForm(forms.Form):
    """The calibration page's filters (GET)."""

    start = forms.DateField(label=_("confirmed from"), required=False, widget=DATE)
    end = forms.DateField(label=_("confirmed until"), required=False, widget=DATE)
    region = forms.ChoiceField(
        label=_("region"), required=False, choices=_blank(Region.choices, _("All regions"))
    )
    industry = forms.ChoiceField(
        label=_("industry"),
        required=False,
        choices=_blank(Industry.choices, _("All industries")),
    )
    period = forms.ChoiceField(
        label=_("agreement over time"),
        required=False,
        choices=[(QUARTER, _("per quarter")), (YEAR, _("per year"))],
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end of the period comes before its start."))
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data if self.is_valid() else {}
        return Filters(
            start=data.get("start"),
            end=data.get("end"),
            region=data.get("region") or "",
            industry=data.get("industry") or "",
        )

    def period_value(self) -> str:
        return (self.cleaned_data.get("period") if self.is_valid() else "") or QUARTER


class SpotCheckDrawForm(forms.Form):
    start = forms.DateField(label=_("confirmed from"), required=False, widget=DATE)
    end = forms.DateField(label=_("confirmed until"), required=False, widget=DATE)
    region = forms.ChoiceField(
        label=_("region"), required=False, choices=_blank(Region.choices, _("All regions"))
    )
    industry = forms.ChoiceField(
        label=_("industry"),
        required=False,
        choices=_blank(Industry.choices, _("All industries")),
    )
    share_percent = forms.DecimalField(
        label=_("random share (%)"),
        min_value=0,
        max_value=100,
        decimal_places=1,
        initial=10,
        help_text=_("Share of the eligible confirmed assessments drawn at random."),
    )
    outlier_consultants = forms.IntegerField(
        label=_("outlier consultants"),
        min_value=0,
        max_value=50,
        initial=2,
        help_text=_(
            "The consultants whose mean level is furthest from their peers' on similar plants: "
            "one assessment each."
        ),
    )
    levels_above = forms.IntegerField(
        label=_("levels above the peer mean"),
        min_value=1,
        max_value=5,
        required=False,
        help_text=_(
            "Also draw every assessment at least this many levels above the mean of its peers "
            "(same industry and size). Empty: none."
        ),
    )
    limit = forms.IntegerField(label=_("at most"), min_value=1, max_value=500, initial=20)
    seed = forms.IntegerField(
        label=_("seed"),
        min_value=0,
        required=False,
        help_text=_(
            "The same seed, settings and data give the same sample. Empty: a new one is chosen "
            "and kept with the draw."
        ),
    )
    due_on = forms.DateField(label=_("due on"), required=False, widget=DATE)

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "start": d.get("start"),
            "end": d.get("end"),
            "region": d.get("region") or "",
            "industry": d.get("industry") or "",
            "share": float(d["share_percent"]) / 100,
            "outlier_consultants": d["outlier_consultants"],
            "levels_above": d.get("levels_above"),
            "limit": d["limit"],
            "seed": d.get("seed"),
            "due_on": d.get("due_on"),
        }


class SpotCheckAssignForm(forms.Form):
    consultant = ConsultantChoiceField(
        label=_("second consultant"),
        queryset=get_user_model().objects.none(),
        help_text=_("A consultant of another consultancy than the checked assessment's."),
    )
    due_on = forms.DateField(label=_("due on"), required=False, widget=DATE)

    def __init__(self, *args, exclude_organization=None, exclude_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = (
            get_user_model()
            .objects.filter(membership__role=Role.CONSULTANT, is_active=True)
            .select_related("membership__organization")
            .order_by("membership__organization__name", "last_name", "first_name", "username")
        )
        if exclude_organization is not None:
            qs = qs.exclude(membership__organization=exclude_organization)
        if exclude_user is not None:
            qs = qs.exclude(pk=exclude_user)
        self.fields["consultant"].queryset = qs


class SheetItemForm(forms.Form):
    """One item of a spot-check sheet (prefix = item id), saved on change."""

    rating = forms.TypedChoiceField(
        label=_("rating"),
        choices=RATING_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    not_applicable = forms.BooleanField(label=_("Not applicable"), required=False)
    na_reason = forms.CharField(
        label=_("Why it does not apply"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "hx-preserve": "true"}),
    )
    note = forms.CharField(
        label=_("note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "hx-preserve": "true"}),
    )

    @classmethod
    def for_rating(cls, rating, *, data=None):
        prefix = f"i{rating.item_id}"
        if data is not None:
            return cls(data=data, prefix=prefix)
        return cls(
            prefix=prefix,
            initial={
                "rating": rating.rating,
                "not_applicable": rating.not_applicable,
                "na_reason": rating.na_reason,
                "note": rating.note,
            },
        )

    def entry(self, code: str) -> dict:
        d = self.cleaned_data
        entry = {"item": code, "na_reason": d.get("na_reason", ""), "note": d.get("note", "")}
        entry["not_applicable"] = bool(d.get("not_applicable"))
        entry["rating"] = None if entry["not_applicable"] else d.get("rating")
        return entry


class SpotCheckSubmitForm(forms.Form):
    rated_on = forms.DateField(
        label=_("date of the visit"),
        required=False,
        widget=DATE,
        help_text=_("Empty: today."),
    )


class SpotCheckDecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[
            (SpotCheckDecision.KEPT, _("Keep the confirmed assessment")),
            (SpotCheckDecision.REPLACED, _("Replace it with this spot-check")),
        ],
        initial=SpotCheckDecision.KEPT,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to replace: it is kept in the audit log."),
    )


class SpotCheckCancelForm(forms.Form):
    reason = forms.CharField(label=_("reason"), required=False, max_length=500)


class SpotCheckChooseForm(forms.Form):
    """Agency staff pick one confirmed assessment by its number."""

    assessment = forms.IntegerField(
        label=_("assessment number"),
        min_value=1,
        help_text=_("The number of a confirmed assessment (#) to check outside any draw."),
    )
    due_on = forms.DateField(label=_("due on"), required=False, widget=DATE)
