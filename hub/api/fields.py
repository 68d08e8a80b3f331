"""Serializer fields shared by the hub's APIs."""

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
