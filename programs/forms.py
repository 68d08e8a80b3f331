"""Forms of the program pages. They only shape input: every rule (who may, cost shares, funds,
overlap, transitions) is checked by the services in programs/services.py."""

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from hub import roles
from hub.choices import OrganizationKind
from hub.formats import unit_name
from hub.forms import DATE, partner_firms
from hub.models import Organization, Plant
from hub.widgets import mark_required_if, use_lookup
from programs.choices import DEFAULT_UNITS, Indicator, ProgramKind, ProjectStatus, TargetLevel
from programs.models import KPI, Program, Project
from programs.services import FROZEN_AFTER_AGREEMENT

WON = {"min": "0", "step": "1", "inputmode": "numeric"}
FOLLOW_UP_FIELDS = ("follow_up_years", "follow_up_frequency")


def _won_widgets(form, names):
    for name in names:
        if name in form.fields:
            form.fields[name].widget.attrs.update(WON)


class ProgramForm(forms.ModelForm):
    class Meta:
        model = Program
        fields = [
            "name_ko",
            "name_en",
            "year",
            "kind",
            "agency",
            "budget",
            "applications_open",
            "applications_close",
            "cost_share_rule",
            "follow_up_years",
            "follow_up_frequency",
        ]
        widgets = {"applications_open": DATE, "applications_close": DATE}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if roles.is_admin(user):
            self.fields["agency"].queryset = Organization.objects.filter(
                kind=OrganizationKind.AGENCY
            ).order_by("name")
        else:
            # Agency staff run their own agency's programs; the service sets it.
            del self.fields["agency"]
        _won_widgets(self, ["budget"])
        # Left out, the follow-up terms keep their value (the defaults for a new program).
        for name in FOLLOW_UP_FIELDS:
            self.fields[name].required = False

    def _keep(self, name):
        value = self.cleaned_data.get(name)
        return getattr(self.instance, name) if value in (None, "") else value

    def clean_follow_up_years(self):
        return self._keep("follow_up_years")

    def clean_follow_up_frequency(self):
        return self._keep("follow_up_frequency")


class CommitmentForm(forms.Form):
    partner = forms.ModelChoiceField(queryset=Organization.objects.none(), label=_("Partner firm"))
    committed = forms.DecimalField(
        label=_("Committed funds (KRW)"), min_value=0, max_digits=15, decimal_places=0
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partner_firms()
        use_lookup(self, "partner", "partner")
        self.fields["committed"].widget.attrs.update(WON)


class ProjectForm(forms.ModelForm):
    """Apply (all fields) or edit (program and plant fixed; after the agreement the contracted
    fields are shown but cannot change)."""

    class Meta:
        model = Project
        fields = [
            "program",
            "plant",
            "title",
            "partner",
            "supplier",
            "target_level",
            "total_cost",
            "government_share",
            "partner_share",
            "sme_share",
            "applied_on",
            "reference",
        ]
        widgets = {"applied_on": DATE}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        editing = self.instance.pk is not None
        if editing:
            del self.fields["program"]
            del self.fields["plant"]
        else:
            programs = Program.objects.select_related("agency").order_by("-year", "name_ko")
            if not roles.is_admin(user):
                agency = roles.agency_of(user)
                programs = programs.filter(agency_id=agency.pk if agency else None)
            self.fields["program"].queryset = programs
            self.fields["plant"].queryset = Plant.objects.select_related("company")
            use_lookup(self, "plant", "plant")
        self.fields["partner"].queryset = partner_firms()
        self.fields["supplier"].queryset = Organization.objects.filter(
            kind=OrganizationKind.SUPPLIER
        ).order_by("name")
        use_lookup(self, "partner", "partner")
        use_lookup(self, "supplier", "supplier")
        # programs/services/projects.py: a win-win program's project needs its partner firm.
        winwin = ""
        if "program" in self.fields:
            ids = self.fields["program"].queryset.filter(kind=ProgramKind.WINWIN)
            winwin = "program=" + ",".join(str(pk) for pk in ids.values_list("pk", flat=True))
        mark_required_if(self, "partner", _("required in win-win programs"), when=winwin)
        self.fields["partner_share"].required = False
        _won_widgets(self, ["total_cost", "government_share", "partner_share", "sme_share"])
        if editing and self.instance.status not in (ProjectStatus.APPLIED, ProjectStatus.SELECTED):
            for name in FROZEN_AFTER_AGREEMENT:
                if name in self.fields:
                    self.fields[name].disabled = True
                    self.fields[name].help_text = _("Fixed by the agreement.")

    def clean_partner_share(self):
        value = self.cleaned_data.get("partner_share")
        return 0 if value is None else value

    def share_rules(self) -> str:
        """The cost-share rule of each program the form may apply to, as JSON for the page's
        script that computes the shares as the user types (programs/rules.py stays the
        authority: the service checks them again). Key "" is the project's own program."""
        if "program" in self.fields:
            programs = self.fields["program"].queryset.select_related("cost_share_rule")
        else:
            programs = [self.instance.program]
        rules = {}
        for program in programs:
            rule = program.cost_share_rule
            key = "" if "program" not in self.fields else str(program.pk)
            rules[key] = {
                "government_max_pct": str(rule.government_max_pct),
                "partner_min_pct": str(rule.partner_min_pct),
                "sme_max_pct": str(rule.sme_max_pct),
                "caps": {
                    level: str(cap)
                    for level, cap in (
                        (TargetLevel.BASIC, rule.cap_basic),
                        (TargetLevel.ADVANCED1, rule.cap_advanced1),
                        (TargetLevel.ADVANCED2, rule.cap_advanced2),
                    )
                    if cap is not None
                },
            }
        return json.dumps(rules)


class AdvanceForm(forms.Form):
    to = forms.ChoiceField(choices=ProjectStatus.choices, label=_("New status"))
    on = forms.DateField(label=_("Date"), required=False, widget=DATE)
    reason = forms.CharField(
        label=_("Reason for dropping"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mark_required_if(
            self, "reason", _("required when dropping"), when=f"to={ProjectStatus.DROPPED}"
        )


class KPIForm(forms.ModelForm):
    """One indicator before and after; an empty unit takes the indicator's usual unit."""

    class Meta:
        model = KPI
        fields = [
            "indicator",
            "unit",
            "baseline",
            "result",
            "baseline_from",
            "baseline_to",
            "result_from",
            "result_to",
        ]
        widgets = {
            "baseline_from": DATE,
            "baseline_to": DATE,
            "result_from": DATE,
            "result_to": DATE,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].required = False
        defaults = ", ".join(
            f"{Indicator(k).label}: {unit_name(v)}" for k, v in DEFAULT_UNITS.items()
        )
        self.fields["unit"].help_text = _("Leave empty for the usual unit (%(units)s).") % {
            "units": defaults
        }
        self.fields["indicator"].widget.attrs["data-default-units"] = "|".join(
            f"{k}={v}" for k, v in DEFAULT_UNITS.items()
        )

    def validate_unique(self):
        # Recording an indicator again corrects it (the service upserts by indicator).
        pass

    def service_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "indicator"}
        if not data.get("unit"):
            data["unit"] = DEFAULT_UNITS[Indicator(self.cleaned_data["indicator"])]
        return data
