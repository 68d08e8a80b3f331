from assessments.api import calibration, self_assessments, spot_checks, views


def register(router) -> None:
    router.register("frameworks", views.FrameworkViewSet, basename="framework")
    router.register("assessments", views.AssessmentViewSet, basename="assessment")
    router.register(
        "self-assessments", self_assessments.SelfAssessmentViewSet, basename="self-assessment"
    )
    router.register("calibration", calibration.CalibrationViewSet, basename="calibration")
    router.register("spot-checks", spot_checks.SpotCheckViewSet, basename="spot-check")
