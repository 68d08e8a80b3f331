"""Forms of the data hub's pages. They only collect input: the services decide
(datahub.services.*), and their ValidationErrors land on these forms (add_service_errors)."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from datahub.choices import Granularity, Purpose, SourceKind
from datahub.services.catalogue import current_definitions
from hub.formats import unit_name
from hub.forms import DATE
from hub.models import Organization


class SourceForm(forms.Form):
    name = forms.CharField(
        label=_("name"),
        max_length=120,
        help_text=_('What the system is called in your plant, e.g. "MES line 1".'),
    )
    kind = forms.ChoiceField(label=_("kind"), choices=SourceKind.choices, initial=SourceKind.MES)
    description = forms.CharField(
        label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class DefinitionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        unit = unit_name(obj.unit)
        return f"{obj.name} ({unit})" if unit else obj.name


class SeriesForm(forms.Form):
    kpi = DefinitionChoiceField(
        label=_("KPI or quantity"), queryset=None, to_field_name="code", empty_label=None
    )
    unit = forms.CharField(
        label=_("unit (UCUM)"),
        max_length=30,
        required=False,
        help_text=_("The KPI's unit; leave it as it is."),
    )
    granularity = forms.ChoiceField(
        label=_("granularity"), choices=Granularity.choices, initial=Granularity.HOUR
    )
    label = forms.CharField(
        label=_("line or equipment"),
        max_length=80,
        required=False,
        help_text=_("Optional: only when the plant sends this KPI per line or machine."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kpi"].queryset = current_definitions()


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("purpose"), choices=Purpose.choices)
    partner = forms.ModelChoiceField(
        label=_("partner firm"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("Only for the mentoring partner purpose: a firm that mentors this plant."),
    )
    expires_on = forms.DateField(
        label=_("valid until"),
        required=False,
        widget=DATE,
        help_text=_("Leave empty for a consent without an end date (you can revoke it)."),
    )

    def __init__(self, *args, plant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = (
            Organization.objects.filter(mentorships__plant=plant).distinct().order_by("name")
        )

    def expires_at(self):
        """The end of the chosen day, in the site's time zone."""
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        end = dt.datetime.combine(day, dt.time(23, 59, 59))
        return timezone.make_aware(end)


class AccessLogFilterForm(forms.Form):
    purpose = forms.ChoiceField(
        label=_("purpose"), choices=[("", _("All"))] + list(Purpose.choices), required=False
    )


MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("filled template (.xlsx or .csv)"),
        help_text=_("At most 10 MB and 10,000 rows."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not (name.endswith(".xlsx") or name.endswith(".csv")):
            raise ValidationError(_("Upload an .xlsx or .csv file."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(_("The file is larger than 10 MB; split it."))
        return upload


def _series_label(series) -> str:
    """ "설비종합효율(OEE) · 1라인 (%)": the KPI, its line or machine, its unit."""
    text = series.kpi.name + (f" · {series.label}" if series.label else "")
    unit = unit_name(series.unit)
    return f"{text} ({unit})" if unit else text


class MonthlyForm(forms.Form):
    month = forms.CharField(
        label=_("month"),
        widget=forms.TextInput(attrs={"type": "month"}),
        help_text=_("YYYY-MM. Each figure is the month's total or average."),
    )

    def __init__(self, *args, series, **kwargs):
        super().__init__(*args, **kwargs)
        for s in series:
            self.fields[f"s_{s.key}"] = forms.FloatField(label=_series_label(s), required=False)

    def clean_month(self):
        text = self.cleaned_data["month"].strip()
        try:
            return dt.datetime.strptime(text, "%Y-%m").date()
        except ValueError as exc:
            raise ValidationError(_("Give the month as YYYY-MM.")) from exc


class DatasetRequestForm(forms.Form):
    """A research dataset request: a title and the as-of date."""

    title = forms.CharField(label=_("Title"), max_length=200)
    as_of = forms.DateField(label=_("As of"), widget=DATE)
