"""Assessment pages (placeholders until the UI lands)."""

from django.http import Http404
from django.views import View


class _Placeholder(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404


class AssessmentListView(_Placeholder):
    pass


class AssessmentCompareView(_Placeholder):
    pass


class AssessmentOpenView(_Placeholder):
    pass


class AssessmentDetailView(_Placeholder):
    pass


class AssessmentFillView(_Placeholder):
    pass


class ItemSaveView(_Placeholder):
    pass


class EvidenceUploadView(_Placeholder):
    pass


class EvidenceDownloadView(_Placeholder):
    pass


class EvidenceDeleteView(_Placeholder):
    pass


class AssessmentSubmitView(_Placeholder):
    pass


class AssessmentConfirmView(_Placeholder):
    pass


class AssessmentReturnView(_Placeholder):
    pass


class FrameworkListView(_Placeholder):
    pass


class FrameworkDetailView(_Placeholder):
    pass
