"""Serializer fields shared by the hub's APIs."""

import datetime
import inspect

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings


class ChoiceLabelField(serializers.CharField):
    """The label of a choice code in the active language (read-only). Labels are looked up in
    a table built once per language: `get_FOO_display()` translates the lazy label again for
    every row, a third of a 50-plant page's serialisation time."""

    def __init__(self, *, choices, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)
        self._choices = list(choices)
        self._labels: dict[str | None, dict] = {}

    def to_representation(self, value):
        language = get_language()
        labels = self._labels.get(language)
        if labels is None:
            labels = self._labels[language] = {str(k): str(v) for k, v in self._choices}
        return labels.get(str(value), str(value))


class FastRepresentationMixin:
    """A ModelSerializer's `to_representation` without DRF's generic per-field machinery:
    each readable field is planned once per serializer class (its attribute path and how its
    value is written), then every row is a few getattr calls. Same output as DRF (tested
    against it). The plan is kept on the class, so a list request does not build the
    serializer's fields at all (DRF deep-copies and re-derives them from the model for every
    serializer instance: a third of a 50-plant page's Python time). Fields whose output
    depends on the request (context, the active language, the current time zone) are written
    at call time, so the class-wide plan is safe. Read-only use: writes are unchanged."""

    def to_representation(self, instance):
        cls = type(self)
        plan = cls.__dict__.get("_fast_plan") or self.__dict__.get("_fast_plan")
        if plan is None:
            fields = list(self._readable_fields)
            plan = self._fast_plan = [_plan(field) for field in fields]
            if all(type(field) in _SHAREABLE for field in fields):
                cls._fast_plan = plan
        out = {}
        for name, attrs, convert in plan:
            value = instance
            for attr in attrs:
                value = getattr(value, attr)
                if value is None:
                    break
            if value is not None and callable(value) and inspect.ismethod(value):
                value = value()
            out[name] = None if value is None else convert(value)
        return out


# Fields whose writing depends only on their own arguments and on the request's language or
# time zone read at call time (not on the serializer instance, its context or the request):
# a plan made of them may serve every instance of the serializer class.
_SHAREABLE = frozenset(
    {
        serializers.PrimaryKeyRelatedField,
        serializers.CharField,
        serializers.IntegerField,
        serializers.BigIntegerField,
        serializers.BooleanField,
        serializers.DateField,
        serializers.DateTimeField,
        serializers.DecimalField,
        serializers.FloatField,
        serializers.ChoiceField,
        serializers.ReadOnlyField,
        ChoiceLabelField,
    }
)


def _identity(value):
    return value


def _datetime_writer(field):
    """DRF's ISO 8601 writing of an aware datetime in the current time zone, without its
    per-value settings look-ups; anything else goes to the field."""
    if getattr(field, "format", api_settings.DATETIME_FORMAT) != ISO_8601 or hasattr(
        field, "timezone"
    ):
        return field.to_representation

    def convert(value, field=field):
        if not settings.USE_TZ or type(value) is not datetime.datetime or value.tzinfo is None:
            return field.to_representation(value)
        text = value.astimezone(timezone.get_current_timezone()).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return convert


def _plan(field):
    """(name, attribute path, converter) of one readable field."""
    attrs = list(field.source_attrs)
    if isinstance(field, serializers.PrimaryKeyRelatedField) and field.use_pk_only_optimization():
        model_field = field.parent.Meta.model._meta.get_field(attrs[-1])
        return field.field_name, [*attrs[:-1], model_field.attname], _identity
    if type(field) in (
        serializers.CharField,
        serializers.IntegerField,
        serializers.BigIntegerField,
    ):
        kind = str if isinstance(field, serializers.CharField) else int

        def convert(value, kind=kind, field=field):
            return value if type(value) is kind else field.to_representation(value)

        return field.field_name, attrs, convert
    if type(field) is serializers.DateTimeField:
        return field.field_name, attrs, _datetime_writer(field)
    return field.field_name, attrs, field.to_representation
