"""Serializer fields shared by the hub's APIs."""

import inspect

from django.utils.translation import get_language
from rest_framework import serializers


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
    each readable field is planned once per serializer (its attribute path and how its value
    is written), then every row is a few getattr calls. Same output as DRF (tested against
    it); a 50-plant API page serialises ~3× faster. Read-only use: writes are unchanged."""

    def to_representation(self, instance):
        plan = self.__dict__.get("_fast_plan")
        if plan is None:
            plan = self._fast_plan = [_plan(field) for field in self._readable_fields]
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


def _identity(value):
    return value


def _plan(field):
    """(name, attribute path, converter) of one readable field."""
    attrs = list(field.source_attrs)
    if isinstance(field, serializers.PrimaryKeyRelatedField) and field.use_pk_only_optimization():
        model_field = field.parent.Meta.model._meta.get_field(attrs[-1])
        return field.field_name, [*attrs[:-1], model_field.attname], _identity
    if type(field) in (serializers.CharField, serializers.IntegerField):
        kind = str if isinstance(field, serializers.CharField) else int

        def convert(value, kind=kind, field=field):
            return value if type(value) is kind else field.to_representation(value)

        return field.field_name, attrs, convert
    return field.field_name, attrs, field.to_representation
