from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from hub.choices import OrganizationKind
from hub.models import Mentorship, Organization, Plant
from hub.validators import format_business_number, normalize_business_number
from hub.widgets import mark_required_if, use_lookup

# A browser date picker; it reads and writes ISO dates, whatever the page's language.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def partner_firms():
    """Every partner firm by name, for the pickers and filters that name one."""
    return Organization.objects.filter(kind=OrganizationKind.PARTNER).order_by("name")


class OrganizationForm(forms.ModelForm):
    business_number = forms.CharField(
        label=_("business registration number"),
        required=False,
        max_length=14,
        help_text=_("10 digits, e.g. 123-45-67890; required for SME companies."),
    )

    class Meta:
        model = Organization
        fields = [
            "kind",
            "name",
            "name_en",
            "business_number",
            "size_class",
            "employees",
            "revenue_million_krw",
            "region",
            "address",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.business_number:
            self.initial["business_number"] = format_business_number(self.instance.business_number)
        # Organization.clean: an SME company needs both.
        for name in ("business_number", "size_class"):
            mark_required_if(self, name, _("required for SME companies"), when="kind=sme")

    def clean_business_number(self):
        return normalize_business_number(self.cleaned_data.get("business_number")) or None


class PlantForm(forms.ModelForm):
    class Meta:
        model = Plant
        fields = [
            "company",
            "name",
            "region",
            "address",
            "industry",
            "employees",
            "factory_registration_number",
            "status",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = Organization.objects.filter(
            kind=OrganizationKind.SME
        ).order_by("name")
        use_lookup(self, "company", "company")


class MentorshipForm(forms.ModelForm):
    class Meta:
        model = Mentorship
        fields = ["partner", "plant", "start_date", "end_date", "notes"]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = Organization.objects.filter(
            kind=OrganizationKind.PARTNER
        ).order_by("name")
        self.fields["plant"].queryset = Plant.objects.select_related("company").order_by("name")
        use_lookup(self, "partner", "partner")
        use_lookup(self, "plant", "plant")


def service_data(form: forms.ModelForm) -> dict:
    """The model fields of a valid form, as keyword data for a service."""
    return {
        name: form.cleaned_data[name] for name in form._meta.fields if name in form.cleaned_data
    }


def add_service_errors(form: forms.BaseForm, exc: ValidationError, rename=None) -> None:
    """Put a service's ValidationError on the form: errors keyed by a field of the form next
    to that field, every other error (unkeyed, or keyed by a name the form does not show)
    above the form. `rename` maps a service's field name to the form's where they differ."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    rename = rename or {}
    for name, errors in exc.error_dict.items():
        field = rename.get(name, name)
        form.add_error(field if field in form.fields else None, errors)
