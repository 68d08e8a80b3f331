"""Irreversible actions confirm first.

A form for such an action carries `data-confirm="<what cannot be undone>"` and the hidden field
`confirm_first=1` (templates/includes/confirm_first.html). With JavaScript, static/js/app.js
asks in a dialog and removes the field before posting; without it, the view calls
`confirm_first(...)` and, while the field is there, answers with a page that says what cannot
be undone and posts the same fields again without it. Posts without the field (the dialog's,
the API's, tests') go straight through.
"""

from django.shortcuts import render

FIELD = "confirm_first"


def confirm_first(request, *, question, consequence, action_label, cancel_url):
    """The confirmation page while the post still asks for it, else None."""
    if request.POST.get(FIELD) != "1":
        return None
    fields = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in (FIELD, "csrfmiddlewaretoken")
        for value in values
    ]
    return render(
        request,
        "includes/confirm_page.html",
        {
            "question": question,
            "consequence": consequence,
            "action_label": action_label,
            "cancel_url": cancel_url,
            "fields": fields,
            "action_url": request.get_full_path(),
        },
    )
