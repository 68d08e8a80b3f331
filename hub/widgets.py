"""Form widgets shared by the hub's forms."""

from django import forms
from django.urls import reverse_lazy

from hub.models import Plant


class PlantLookupWidget(forms.TextInput):
    """A plant field for a registry of tens of thousands of plants: the user types a name,
    company or business number and picks from suggestions (htmx fills a <datalist> from
    `hub:plant_lookup`); the submitted value is the plant's id. Without JavaScript the id can
    be typed (it is shown on the plant's page), and pages that know the plant pre-fill it.
    The chosen plant's name is shown next to the field."""

    template_name = "hub/widgets/plant_lookup.html"

    def __init__(self, attrs=None):
        super().__init__(attrs={"autocomplete": "off", "inputmode": "search", **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        list_id = f"{widget['attrs'].get('id', name)}-options"
        widget["attrs"].update(
            {
                "list": list_id,
                "hx-get": str(reverse_lazy("hub:plant_lookup")),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": f"#{list_id}",
                "name": name,
            }
        )
        widget["list_id"] = list_id
        widget["chosen"] = self.chosen(value)
        return context

    def chosen(self, value):
        if value in (None, "") or not str(value).isdigit():
            return None
        return Plant.objects.select_related("company").filter(pk=int(value)).first()
