from django.urls import path

from assessments import views
from assessments.views import calibration, spot_checks
from assessments.views import self_assessments as self_views

app_name = "assessments"

urlpatterns = [
    path("assessments/", views.AssessmentListView.as_view(), name="assessment_list"),
    path("assessments/compare/", views.AssessmentCompareView.as_view(), name="assessment_compare"),
    path(
        "plants/<int:plant_pk>/assessments/new/",
        views.AssessmentOpenView.as_view(),
        name="assessment_open",
    ),
    path("assessments/<int:pk>/", views.AssessmentDetailView.as_view(), name="assessment_detail"),
    path("assessments/<int:pk>/fill/", views.AssessmentFillView.as_view(), name="assessment_fill"),
    path(
        "assessments/<int:pk>/items/<int:item_pk>/",
        views.ItemSaveView.as_view(),
        name="item_save",
    ),
    path(
        "assessments/<int:pk>/items/<int:item_pk>/evidence/",
        views.EvidenceUploadView.as_view(),
        name="evidence_upload",
    ),
    path("evidence/<int:pk>/", views.EvidenceDownloadView.as_view(), name="evidence_download"),
    path("evidence/<int:pk>/delete/", views.EvidenceDeleteView.as_view(), name="evidence_delete"),
    path(
        "assessments/<int:pk>/submit/",
        views.AssessmentSubmitView.as_view(),
        name="assessment_submit",
    ),
    path(
        "assessments/<int:pk>/confirm/",
        views.AssessmentConfirmView.as_view(),
        name="assessment_confirm",
    ),
    path(
        "assessments/<int:pk>/return/",
        views.AssessmentReturnView.as_view(),
        name="assessment_return",
    ),
    path("frameworks/", views.FrameworkListView.as_view(), name="framework_list"),
    path("frameworks/<int:pk>/", views.FrameworkDetailView.as_view(), name="framework_detail"),
    # self-diagnosis by the plant (assessments.views.self_assessments)
    path(
        "self-assessments/",
        self_views.SelfAssessmentListView.as_view(),
        name="self_assessment_list",
    ),
    path(
        "self-assessments/over-rating/",
        self_views.OverRatingView.as_view(),
        name="self_assessment_over_rating",
    ),
    path(
        "plants/<int:plant_pk>/self-assessments/new/",
        self_views.SelfAssessmentStartView.as_view(),
        name="self_assessment_start",
    ),
    path(
        "self-assessments/<int:pk>/",
        self_views.SelfAssessmentDetailView.as_view(),
        name="self_assessment_detail",
    ),
    path(
        "self-assessments/<int:pk>/fill/",
        self_views.SelfAssessmentFillView.as_view(),
        name="self_assessment_fill",
    ),
    path(
        "self-assessments/<int:pk>/items/<int:item_pk>/",
        self_views.SelfItemSaveView.as_view(),
        name="self_assessment_item_save",
    ),
    path(
        "self-assessments/<int:pk>/finish/",
        self_views.SelfAssessmentFinishView.as_view(),
        name="self_assessment_finish",
    ),
    path(
        "self-assessments/<int:pk>/share/",
        self_views.SelfAssessmentShareView.as_view(),
        name="self_assessment_share",
    ),
    path(
        "self-assessments/<int:pk>/delete/",
        self_views.SelfAssessmentDeleteView.as_view(),
        name="self_assessment_delete",
    ),
    path(
        "self-assessments/<int:pk>/comparison/",
        self_views.SelfAssessmentCompareView.as_view(),
        name="self_assessment_compare",
    ),
    path("assessments/history/import/", views.HistoryImportView.as_view(), name="history_import"),
    # calibration and spot-checks
    path("calibration/", calibration.CalibrationView.as_view(), name="calibration"),
    path("spot-checks/", spot_checks.SpotCheckListView.as_view(), name="spot_check_list"),
    path("spot-checks/draw/", spot_checks.SpotCheckDrawView.as_view(), name="spot_check_draw"),
    path(
        "spot-checks/choose/",
        spot_checks.SpotCheckChooseView.as_view(),
        name="spot_check_choose",
    ),
    path(
        "spot-checks/<int:pk>/", spot_checks.SpotCheckDetailView.as_view(), name="spot_check_detail"
    ),
    path(
        "spot-checks/<int:pk>/fill/",
        spot_checks.SpotCheckFillView.as_view(),
        name="spot_check_fill",
    ),
    path(
        "spot-checks/<int:pk>/items/<int:item_pk>/",
        spot_checks.SpotCheckItemSaveView.as_view(),
        name="spot_check_item_save",
    ),
    path(
        "spot-checks/<int:pk>/submit/",
        spot_checks.SpotCheckSubmitView.as_view(),
        name="spot_check_submit",
    ),
    path(
        "spot-checks/<int:pk>/assign/",
        spot_checks.SpotCheckAssignView.as_view(),
        name="spot_check_assign",
    ),
    path(
        "spot-checks/<int:pk>/decide/",
        spot_checks.SpotCheckDecideView.as_view(),
        name="spot_check_decide",
    ),
    path(
        "spot-checks/<int:pk>/cancel/",
        spot_checks.SpotCheckCancelView.as_view(),
        name="spot_check_cancel",
    ),
]
