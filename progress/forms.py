"""Forms of the progress pages: the report request and the target change."""

import datetime
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hub import roles
from hub.choices import Industry, OrganizationKind, Region, SizeClass
from hub.formats import (
    industry_name,
    org_name,
    program_name,
    region_name,
    size_name,
)
from hub.forms import DATE, partner_firms
from hub.i18n import language_name
from hub.models import Organization
from programs.models import Program
from progress.choices import ReportScope
from progress.figures import Scope
from progress.selectors import Access


class ReportRequestForm(forms.Form):
    """A progress report request: scope (with its region, program or partner firm), language
    and as-of date. A partner member can only choose their own firm."""

    scope = forms.ChoiceField(label=gettext_lazy("Scope"))
    region = forms.ChoiceField(label=gettext_lazy("Region"), required=False)
    program = forms.ModelChoiceField(
        label=gettext_lazy("Program"), queryset=Program.objects.none(), required=False
    )
    partner = forms.ModelChoiceField(
        label=gettext_lazy("Partner firm"), queryset=partner_firms(), required=False
    )
    language = forms.ChoiceField(label=gettext_lazy("Language"))
    as_of = forms.DateField(label=gettext_lazy("As of"), widget=DATE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = ReportScope.choices
        self.fields["region"].choices = [("", "—"), *Region.choices]
        self.fields["program"].queryset = Program.objects.order_by("-year", "name_ko")
        # Each language named in the reader's language ("영어", not "English").
        self.fields["language"].choices = [(c, language_name(c)) for c, _n in settings.LANGUAGES]
        firm = None if roles.sees_everything(user) else roles.partner_firm_of(user)
        if firm is not None:
            self.fields["scope"].choices = [(ReportScope.PARTNER, ReportScope.PARTNER.label)]
            self.fields["partner"].queryset = Organization.objects.filter(pk=firm.pk)
            self.fields["partner"].initial = firm.pk
            del self.fields["region"], self.fields["program"]

    def scope_value(self) -> str:
        data = self.cleaned_data
        scope = data.get("scope")
        if scope == "region":
            return data.get("region") or ""
        if scope in ("program", "partner"):
            obj = data.get(scope)
            return str(obj.pk) if obj else ""
        return ""


# --- filters ---------------------------------------------------------------------------------


def _blank(choices) -> list:
    return [("", _("All"))] + list(choices)


class ProgressFilterForm(forms.Form):
    """The dashboard's (and the API's) filters. `year` picks 31 December of that year (today
    for the current year) and wins over `as_of`; without either, the figures are as of
    today. An invalid value is an error on the form; the figures then use its default."""

    as_of = forms.DateField(
        label=gettext_lazy("As of"),
        required=False,
        widget=DATE,
    )
    year = forms.IntegerField(label=gettext_lazy("Year"), required=False, min_value=2000)
    region = forms.ChoiceField(label=gettext_lazy("Region"), required=False)
    industry = forms.ChoiceField(label=gettext_lazy("Industry"), required=False)
    size = forms.ChoiceField(label=gettext_lazy("Company size"), required=False)
    program = forms.ModelChoiceField(
        label=gettext_lazy("Program"), queryset=Program.objects.none(), required=False
    )
    partner = forms.ModelChoiceField(
        label=gettext_lazy("Partner firm"), queryset=Organization.objects.none(), required=False
    )
    agency = forms.ModelChoiceField(
        label=gettext_lazy("Operating agency"),
        queryset=Organization.objects.none(),
        required=False,
    )

    def __init__(self, *args, user=None, access: Access | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = timezone.localdate()
        self.access = access or Access()
        self.fields["year"].validators.append(MaxValueValidator(self.today.year))
        self.fields["year"].widget.attrs.update(min=2000, max=self.today.year)
        self.fields["region"].choices = _blank(Region.choices)
        self.fields["industry"].choices = _blank(Industry.choices)
        self.fields["size"].choices = _blank(SizeClass.choices)
        self.fields["program"].queryset = Program.objects.visible_to(user).order_by(
            "-year", "name_ko"
        )
        self.fields["agency"].queryset = Organization.objects.filter(
            kind=OrganizationKind.AGENCY
        ).order_by("name")
        partners = partner_firms()
        if access.own_firm is not None:  # a partner member may only narrow to their own firm
            partners = partners.filter(pk=access.own_firm.pk)
        self.fields["partner"].queryset = partners
        for name in ("program", "partner", "agency"):
            self.fields[name].empty_label = _("All")

    def clean_as_of(self):
        day = self.cleaned_data.get("as_of")
        if day and day > self.today:
            raise ValidationError(
                _("The as-of date cannot be in the future (figures must stay reproducible).")
            )
        return day

    def values(self) -> dict:
        """The valid filters (invalid ones left out), after validation."""
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v not in ("", None)}

    def effective_as_of(self) -> datetime.date:
        data = self.values()
        if data.get("year"):
            year = data["year"]
            return self.today if year >= self.today.year else datetime.date(year, 12, 31)
        return data.get("as_of") or self.today

    def effective_scope(self) -> Scope:
        data = self.values()
        return Scope(
            region=data.get("region", ""),
            industry=data.get("industry", ""),
            size=data.get("size", ""),
            program=data["program"].pk if data.get("program") else None,
            # A partner member's figures only ever count their own firm's projects, so no
            # other firm appears in any table (nothing of another partner leaks).
            partner=(
                self.access.own_firm.pk
                if self.access.own_firm is not None
                else (data["partner"].pk if data.get("partner") else None)
            ),
            agency=data["agency"].pk if data.get("agency") else None,
        )

    def scope_description(self) -> str:
        """The scope in words, e.g. "Region: Seoul · Program: …" or "National"."""
        data = self.values()
        parts = []
        if self.access.own_firm is not None:
            firm = org_name(self.access.own_firm)
            parts.append(_("Plants mentored by %(firm)s") % {"firm": firm})
        labels = {
            "region": (_("Region"), region_name),
            "industry": (_("Industry"), lambda v: f"{v} {industry_name(v)}"),
            "size": (_("Company size"), size_name),
            "program": (_("Program"), program_name),
            "partner": (_("Partner firm"), org_name),
            "agency": (_("Operating agency"), org_name),
        }
        for key, (label, show) in labels.items():
            if data.get(key):
                parts.append(f"{label}: {show(data[key])}")
        return " · ".join(parts) if parts else _("National (all supported plants)")

    def report_request(self) -> dict:
        """These filters as a PDF report request: the query string that prefills the request
        form on /reports/ and the labels of the filters a report cannot carry. A report has
        one scope (national, a region, a program or a partner firm); the first of region,
        program and partner that is set becomes it, and a partner member's report is always
        their own firm's."""
        data = self.values()
        query = {
            "as_of": self.effective_as_of().isoformat(),
            "language": translation.get_language() or settings.LANGUAGE_CODE,
        }
        if self.access.own_firm is not None:
            carried = "partner"
            query.update(scope=ReportScope.PARTNER, partner=self.access.own_firm.pk)
        else:
            carried = next((k for k in ("region", "program", "partner") if data.get(k)), None)
            query["scope"] = carried or ReportScope.NATIONAL
            if carried:
                value = data[carried]
                query[carried] = value if carried == "region" else value.pk
        left_out = [
            str(self.fields[name].label)
            for name in ("region", "industry", "size", "program", "partner", "agency")
            if data.get(name) and name != carried
        ]
        return {
            "query": urlencode(query),
            "left_out": left_out,
            "partner": carried == "partner" and self.access.own_firm is None,
        }
