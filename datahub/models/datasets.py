"""Anonymised research datasets built from the data of plants that consented, and the log of
their downloads."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from datahub.choices import DatasetFile, DatasetStatus, Refusal
from hub.choices import Role
from hub.models import VisibleQuerySet


class ResearchDatasetQuerySet(VisibleQuerySet):
    def restrict_to(self, user, membership):
        """Officials and agency staff see every dataset; nobody else any (SME members,
        partners and consultants: none)."""
        if membership.role in (Role.OFFICIAL, Role.AGENCY_STAFF):
            return self
        return self.none()


REFUSAL_WORDING = {
    Refusal.NO_CONSENT: _("No plant has given the research consent."),
    Refusal.K_ANONYMITY: _(
        "k-anonymity cannot be met: %(n)s consenting plants have monthly data before "
        "%(end)s, and a release needs at least k = %(k)s."
    ),
}


class ResearchDataset(models.Model):
    """A requested anonymised dataset of monthly KPI values (datahub.services.datasets):
    title and as-of date in; status, k, counts, the content hash and the files out, or the
    reason it was refused. Built by a Celery task; kept for download."""

    title = models.CharField(_("title"), max_length=200)
    as_of = models.DateField(_("as of"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=DatasetStatus.choices,
        default=DatasetStatus.REQUESTED,
        db_index=True,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    built_at = models.DateTimeField(_("built at"), null=True, blank=True)
    k = models.PositiveSmallIntegerField(_("k (k-anonymity)"), default=5)
    generalisation = models.CharField(_("generalisation level"), max_length=40, blank=True)
    plant_count = models.PositiveIntegerField(_("plants released"), default=0)
    suppressed_count = models.PositiveIntegerField(_("plants suppressed"), default=0)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    content_hash = models.CharField(_("SHA-256 of the Parquet file"), max_length=64, blank=True)
    parquet_file = models.FileField(
        _("Parquet file"), upload_to="datasets/%Y/%m/", blank=True, max_length=300
    )
    csv_file = models.FileField(
        _("CSV file"), upload_to="datasets/%Y/%m/", blank=True, max_length=300
    )
    dictionary_file = models.FileField(
        _("data dictionary"), upload_to="datasets/%Y/%m/", blank=True, max_length=300
    )
    refusal = models.CharField(
        _("refused because"), max_length=16, choices=Refusal.choices, blank=True
    )
    refusal_details = models.JSONField(_("refusal details"), default=dict, blank=True)
    refusal_reason = models.TextField(
        _("refusal reason"), blank=True, help_text=_("Wording kept from before refusal codes.")
    )
    error = models.TextField(_("error"), blank=True)

    objects = ResearchDatasetQuerySet.as_manager()

    class Meta:
        verbose_name = _("research dataset")
        verbose_name_plural = _("research datasets")
        ordering = ["-requested_at", "-pk"]

    def __str__(self):
        return f"{self.title} ({self.as_of:%Y-%m-%d})"

    @property
    def refusal_text(self) -> str:
        """Why the dataset was refused, in the active language ("" when it was not)."""
        wording = REFUSAL_WORDING.get(self.refusal)
        if wording is None:
            return self.refusal_reason
        return str(wording) % self.refusal_details if self.refusal_details else str(wording)

    def file_of(self, kind: str):
        return {
            DatasetFile.PARQUET: self.parquet_file,
            DatasetFile.CSV: self.csv_file,
            DatasetFile.DICTIONARY: self.dictionary_file,
        }[kind]


class DatasetDownload(models.Model):
    """One download of one file of a research dataset: who and when."""

    dataset = models.ForeignKey(
        ResearchDataset,
        on_delete=models.CASCADE,
        related_name="downloads",
        verbose_name=_("dataset"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("file"), max_length=16, choices=DatasetFile.choices)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("dataset download")
        verbose_name_plural = _("dataset downloads")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.dataset_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"
