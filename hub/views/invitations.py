"""Inviting and creating SME members from an SME company's page (agency staff), and the
page an invitation link opens (anyone holding the link)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView

from hub import invitations
from hub.choices import OrganizationKind
from hub.forms import add_service_errors
from hub.models import Organization
from hub.services import require_registry_editor
from hub.views.mixins import get_visible_or_404


class InvitationForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("name"), max_length=150)
    email = forms.EmailField(label=gettext_lazy("e-mail"))


class SmeMemberForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("username"), max_length=150)
    name = forms.CharField(label=gettext_lazy("name"), max_length=150, required=False)
    email = forms.EmailField(label=gettext_lazy("e-mail"), required=False)
    password = forms.CharField(label=gettext_lazy("password"), widget=forms.PasswordInput)


class AcceptForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("username"), max_length=150)
    password1 = forms.CharField(label=gettext_lazy("password"), widget=forms.PasswordInput)
    password2 = forms.CharField(label=gettext_lazy("password again"), widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


class SmeCompanyMixin(LoginRequiredMixin):
    """The SME company the URL names (404 if not visible), for agency staff only (403)."""

    def dispatch(self, request, *args, **kwargs):
        if request.method.lower() not in ("get", "post"):
            return self.http_method_not_allowed(request, *args, **kwargs)
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.organization = get_visible_or_404(
            Organization.objects.filter(kind=OrganizationKind.SME), request.user, pk=kwargs["pk"]
        )
        require_registry_editor(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["organization"] = self.organization
        return ctx


class InviteView(SmeCompanyMixin, FormView):
    form_class = InvitationForm
    template_name = "hub/invitation_form.html"

    def form_valid(self, form):
        try:
            invitation, _link = invitations.invitation_create(
                user=self.request.user,
                organization=self.organization,
                base_url=self.request.build_absolute_uri("/"),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Invitation sent to %(email)s; the link works once, for %(days)d days.")
            % {"email": invitation.email, "days": invitations.settings.INVITATION_DAYS},
        )
        return redirect(self.organization.get_absolute_url())


class SmeMemberCreateView(SmeCompanyMixin, FormView):
    form_class = SmeMemberForm
    template_name = "hub/invitation_form.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["direct"] = True
        return ctx

    def form_valid(self, form):
        try:
            member = invitations.sme_member_create(
                user=self.request.user, organization=self.organization, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, _("SME member %(username)s created.") % {"username": member.username}
        )
        return redirect(self.organization.get_absolute_url())


class InvitationAcceptView(View):
    """The page of a one-time link: a used, expired or unknown link says so and creates
    nothing."""

    template_name = "hub/invitation_accept.html"

    def _invitation(self, token):
        try:
            return invitations.invitation_for(token), None
        except ValidationError as exc:
            return None, exc

    def get(self, request, token):
        invitation, problem = self._invitation(token)
        form = AcceptForm() if invitation else None
        return self._render(request, invitation, problem, form)

    def post(self, request, token):
        invitation, problem = self._invitation(token)
        if invitation is None:
            return self._render(request, None, problem, None)
        form = AcceptForm(request.POST)
        if form.is_valid():
            try:
                user = invitations.invitation_accept(
                    token=token,
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password1"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc, rename={"password": "password1"})  # nosec B105 - a field name
            else:
                messages.success(
                    request,
                    _("Your account %(username)s is ready: log in with it.")
                    % {"username": user.username},
                )
                return redirect("login")
        return self._render(request, invitation, None, form)

    def _render(self, request, invitation, problem, form):
        status = 200
        if problem is not None:
            # Unknown: as if the page did not exist; used or expired: gone.
            status = 404 if problem.error_list[0].code == "unknown" else 410
            problem = problem.messages[0]
        context = {"invitation": invitation, "problem": problem, "form": form}
        return render(request, self.template_name, context, status=status)
