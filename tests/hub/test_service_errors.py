"""`hub.forms.add_service_errors`: a service's ValidationError lands on the form the same way
on every page: next to the field it names, above the form otherwise."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from hub.forms import add_service_errors


class NameForm(forms.Form):
    name = forms.CharField()
    region = forms.CharField(required=False)


def bound() -> NameForm:
    form = NameForm({"name": "A사", "region": ""})
    assert form.is_valid()
    return form


def test_field_errors_go_next_to_their_field():
    form = bound()
    add_service_errors(form, ValidationError({"name": ["Taken.", "Too short."]}))
    assert form.errors == {"name": ["Taken.", "Too short."]}
    assert not form.is_valid()


def test_errors_on_fields_the_form_does_not_show_go_above_the_form():
    form = bound()
    add_service_errors(form, ValidationError({"company": "Closed.", "name": "Taken."}))
    assert form.non_field_errors() == ["Closed."]
    assert form.errors["name"] == ["Taken."]


def test_an_unkeyed_error_goes_above_the_form():
    form = bound()
    add_service_errors(form, ValidationError(["Wrong state.", "Try later."]))
    assert form.non_field_errors() == ["Wrong state.", "Try later."]


def test_non_field_key_goes_above_the_form():
    form = bound()
    add_service_errors(form, ValidationError({NON_FIELD_ERRORS: ["Locked."]}))
    assert form.non_field_errors() == ["Locked."]


def test_rename_maps_a_service_field_to_the_forms():
    form = bound()
    add_service_errors(
        form, ValidationError({"scope_value": "Unknown region."}), rename={"scope_value": "region"}
    )
    assert form.errors == {"region": ["Unknown region."]}
    form = bound()
    # A rename to a field the form lacks still ends above the form.
    add_service_errors(form, ValidationError({"scope_value": "No."}), rename={"scope_value": "x"})
    assert form.non_field_errors() == ["No."]
