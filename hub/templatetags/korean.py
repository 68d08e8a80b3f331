"""`{% load korean %}`: names and particles the Korean way.

- `{{ user|person_name }}`: 김지현 (family name first) in Korean, Jihyun Kim in English;
- `{{ plant.name|josa:"을" }}` → "A동을", `{{ code|josa:"이" }}` → "OEE가";
- `{{ text|particles }}`: a finished text's "을(를)" forms resolved.
The particle filters leave English text as it is."""

import re

from django import template
from django.utils.html import format_html, format_html_join

from hub import formats
from hub import particles as rules
from hub.i18n import is_english

register = template.Library()


@register.filter
def josa(word, pair):
    """The word followed by its particle in Korean; the word alone in English."""
    if is_english():
        return word
    return rules.attach(word, pair)


@register.filter(is_safe=True)
def particles(text):
    """A finished text with each "을(를)" replaced by the particle its word takes."""
    return rules.resolve(str(text)) if text else text


@register.filter
def person_name(user):
    """A person's name in the order of the active language (hub.formats.person_name)."""
    return formats.person_name(user)


@register.filter
def unit_name(code):
    """A unit the Korean way where Korean has a word ("개/시간", "시간", "건"); see
    hub.formats.unit_name."""
    return formats.unit_name(code)


@register.filter
def names_version(name, version) -> bool:
    """`{% if framework.name|names_version:framework.version %}`: the name already says its
    version ("… 모델 v1"), so "v1" is not written again beside it."""
    return bool(re.search(rf"\bv{re.escape(str(version))}\b", str(name or "")))


_LATIN_CODE = re.compile(r"(?<![\w.])([A-Za-z][A-Za-z_]*)(?![\w.])")


@register.filter
def input_codes(text):
    """The values a file may hold ("가동, 휴업, 폐업 또는 active, suspended, closed") with the
    words to type in Latin letters marked as code: on a Korean page they are values to copy,
    not English prose. English pages get the text as it is."""
    if text in (None, ""):
        return ""
    if is_english():
        return text
    parts = _LATIN_CODE.split(str(text))  # text, code, text, code, … text
    pieces = (format_html("<code>{}</code>", p) if i % 2 else p for i, p in enumerate(parts))
    return format_html_join("", "{}", ((piece,) for piece in pieces))
