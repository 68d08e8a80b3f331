"""Two-step sign-in pages (hub.mfa): the user's own settings, setting up an authenticator,
the second step of a sign-in, new recovery codes and turning it off."""

import base64

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django_otp.plugins.otp_totp.models import TOTPDevice

from hub import mfa
from hub.forms import add_service_errors
from hub.views.confirm import confirm_first

SETUP_DEVICE = "mfa_setup_device"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        help_text=gettext_lazy(
            "The 6-digit code of your authenticator app, or one of your recovery codes."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


class SecondStepFirstMixin(LoginRequiredMixin):
    """Changing two-step sign-in needs the second step when the user has it: a session that
    only knows the password must not enrol its own authenticator, take new recovery codes or
    turn it off."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not user.is_verified() and mfa.has_device(user):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('hub:mfa_verify')}?{query}")
        return super().dispatch(request, *args, **kwargs)


class MfaSettingsView(LoginRequiredMixin, View):
    def get(self, request):
        return render(
            request,
            "registration/mfa_settings.html",
            {
                "required": mfa.is_required(request.user),
                "device": mfa.authenticator(request.user),
                "codes_left": mfa.recovery_codes_left(request.user),
            },
        )


class MfaSetupView(SecondStepFirstMixin, View):
    """Scan the QR code (or type the key), then confirm with the app's first code."""

    def _page(self, request, device, form, status=200):
        key = base64.b32encode(device.bin_key).decode().rstrip("=")
        qr = segno.make(device.config_url, error="m")
        return render(
            request,
            "registration/mfa_setup.html",
            {
                "form": form,
                "qr_svg": qr.svg_inline(scale=5, dark="#111", title=_("QR code to scan")),
                "key_groups": [key[i : i + 4] for i in range(0, len(key), 4)],
                "required": mfa.is_required(request.user),
                "next": _next_url(request),
            },
            status=status,
        )

    def get(self, request):
        device = mfa.setup_start(user=request.user)
        request.session[SETUP_DEVICE] = device.pk
        return self._page(request, device, CodeForm())

    def post(self, request):
        device = TOTPDevice.objects.filter(
            pk=request.session.get(SETUP_DEVICE), user=request.user, confirmed=False
        ).first()
        if device is None:
            return redirect("hub:mfa_setup")
        form = CodeForm(request.POST)
        if form.is_valid():
            try:
                codes = mfa.setup_confirm(
                    request=request, device=device, code=form.cleaned_data["code"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                request.session.pop(SETUP_DEVICE, None)
                return render(
                    request,
                    "registration/mfa_codes.html",
                    {"codes": codes, "next": _next_url(request), "first": True},
                )
        return self._page(request, device, form, status=400)


class MfaVerifyView(LoginRequiredMixin, View):
    """The second step of a sign-in."""

    def get(self, request):
        if not mfa.owes_second_step(request):
            return redirect(_next_url(request))
        return render(
            request,
            "registration/mfa_verify.html",
            {"form": CodeForm(), "next": _next_url(request)},
        )

    def post(self, request):
        form = CodeForm(request.POST)
        if form.is_valid():
            try:
                mfa.verify(request=request, code=form.cleaned_data["code"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return redirect(_next_url(request))
        return render(
            request,
            "registration/mfa_verify.html",
            {"form": form, "next": _next_url(request)},
            status=400,
        )


class MfaRecoveryCodesView(SecondStepFirstMixin, View):
    def post(self, request):
        try:
            codes = mfa.recovery_codes_renew(user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("hub:mfa_settings")
        return render(
            request,
            "registration/mfa_codes.html",
            {"codes": codes, "next": reverse("hub:mfa_settings"), "first": False},
        )


class MfaTurnOffView(SecondStepFirstMixin, View):
    def post(self, request):
        page = confirm_first(
            request,
            question=_("Turn off two-step sign-in?"),
            consequence=_(
                "Your authenticator and recovery codes stop working; signing in needs only "
                "your password."
            ),
            action_label=_("Turn off"),
            cancel_url=reverse("hub:mfa_settings"),
        )
        if page is not None:
            return page
        try:
            mfa.turn_off(user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Two-step sign-in is off."))
        return redirect("hub:mfa_settings")
