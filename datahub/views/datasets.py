"""Research datasets: the list with its request form (officials request; officials and agency
staff see and download) and the download of one file (logged). Everyone else: 403 on the
page, 404 on a dataset."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from datahub.choices import DatasetFile
from datahub.forms import DatasetRequestForm
from datahub.models import ResearchDataset
from datahub.selectors import dataset_withdrawals
from datahub.services import datasets
from hub.forms import add_service_errors
from hub.views.mixins import get_visible_or_404


class DatasetListView(LoginRequiredMixin, View):
    template_name = "datahub/datasets.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not datasets.can_see(request.user):
            raise PermissionDenied(_("Research datasets are for officials and agency staff."))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, form=None):
        can_request = datasets.can_request(request.user)
        if form is None and can_request:
            form = DatasetRequestForm(initial={"as_of": timezone.localdate()})
        queryset = ResearchDataset.objects.visible_to(request.user).select_related("requested_by")
        page = Paginator(queryset, 25).get_page(request.GET.get("page"))
        withdrawn = dataset_withdrawals(page.object_list)
        for dataset in page.object_list:
            dataset.withdrawn_count = withdrawn.get(dataset.pk, 0)
        return render(
            request,
            self.template_name,
            {
                "form": form if can_request else None,
                "page_obj": page,
                "object_list": page.object_list,
                "file_kinds": DatasetFile.choices,
            },
            status=400 if form is not None and form.is_bound else 200,
        )

    def post(self, request):
        if not datasets.can_request(request.user):
            raise PermissionDenied(datasets.refusal_text())
        form = DatasetRequestForm(request.POST)
        if not form.is_valid():
            return self.get(request, form=form)
        try:
            datasets.dataset_request(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.get(request, form=form)
        messages.success(request, _("Dataset requested; it is being built."))
        return redirect("datahub:datasets")


class DatasetDownloadView(LoginRequiredMixin, View):
    def get(self, request, pk, fmt):
        dataset = get_visible_or_404(ResearchDataset.objects, request.user, pk=pk)
        if fmt not in DatasetFile.values:
            raise Http404
        try:
            handle, filename, content_type = datasets.dataset_download(
                user=request.user, dataset=dataset, kind=fmt
            )
        except LookupError as exc:
            raise Http404(_("The dataset is not ready.")) from exc
        return FileResponse(
            handle, as_attachment=True, filename=filename, content_type=content_type
        )
