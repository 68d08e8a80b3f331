"""Small template helpers for the registry pages: sortable headers, field labels, audit values."""

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext

register = template.Library()


@register.inclusion_tag("includes/sort_header.html", takes_context=True)
def sort_header(context, param, label, numeric=False):
    """A table header whose link sorts by `param` (an OrderingFilter parameter), ascending
    first and descending when clicked again; the other query parameters are kept.
    `numeric` right-aligns the header over a column of numbers."""
    current = context.get("current_ordering", "")
    if current == param:
        direction, next_param = "ascending", f"-{param}"
    elif current == f"-{param}":
        direction, next_param = "descending", param
    else:
        direction, next_param = "", param
    base = context.get("query_without_ordering", "")
    query = urlencode({"ordering": next_param})
    return {
        "label": label,
        "href": f"?{base}&{query}" if base else f"?{query}",
        "direction": direction,
        "numeric": numeric,
    }


@register.filter
def verbose_name(model):
    """`{{ view.model|verbose_name }}`: the model's (translated) verbose name."""
    return model._meta.verbose_name


@register.filter
def verbose_name_plural(model):
    return model._meta.verbose_name_plural


@register.simple_tag
def model_list_url(model):
    """The registry list page of a model (`hub:<model>_list`), or the home page."""
    try:
        return reverse(f"hub:{model._meta.model_name}_list")
    except NoReverseMatch:
        return reverse("home")


def _field(obj, name):
    try:
        return obj._meta.get_field(name)
    except FieldDoesNotExist:
        return None


@register.simple_tag
def field_label(obj, name):
    """The verbose name of field `name` on obj's model (audit trails store raw field names)."""
    field = _field(obj, name)
    return capfirst(getattr(field, "verbose_name", name) if field is not None else name)


@register.simple_tag
def audit_value(obj, name, value):
    """A stored audit value as people read it: choice labels instead of codes, a dash for
    nothing. Foreign keys stay as ids so an audit trail never costs a query per row."""
    if value is None or value == "":
        return "—"
    field = _field(obj, name)
    # getattr: a key may name a reverse relation (an assessment's "evidence"), which has none.
    if getattr(field, "choices", None):
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    return value


@register.simple_tag
def current_nav_url(nav_items, full_path):
    """The url of the navigation entry the page belongs to: the longest one the page's path
    starts with (so /plants/import/ marks "Import plants", not "Plants"); an entry with a
    query string (a queue preset such as ?queue=to_confirm) only when the page's query is
    the same; the home page only matches itself."""
    path, _, query = full_path.partition("?")
    best, best_exact = "", False
    for _label, url in nav_items or ():
        url_path, _, url_query = url.partition("?")
        if url_query:
            matches = path == url_path and query == url_query
        elif url_path == "/":
            matches = path == "/"
        else:
            matches = path.startswith(url_path)
        exact = bool(url_query)
        better = (exact, len(url_path)) > (best_exact, len(best.partition("?")[0]))
        if matches and better:
            best, best_exact = url, exact
    return best


def _names(names) -> set[str]:
    return {n.strip() for n in str(names or "").split(",") if n.strip()}


@register.filter
def fields_except(form, names):
    """`form|fields_except:"ordering,company"`: the form's fields but those named."""
    skip = _names(names)
    return [form[name] for name in form.fields if name not in skip]


@register.filter
def fields_only(form, names):
    """`form|fields_only:"company,plant"`: only the fields named, in the form's order."""
    keep = _names(names)
    return [form[name] for name in form.fields if name in keep]


def change_rows(model, changes) -> list[tuple]:
    """An audit entry's changes as people read them: (field label, before, after), or the raw
    triples when the object type is gone."""
    if model is None:
        return [tuple(change) for change in changes]
    return [
        (
            field_label(model, field),
            audit_value(model, field, before),
            audit_value(model, field, after),
        )
        for field, before, after in changes
    ]
