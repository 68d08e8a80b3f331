from assessments.api import calibration, self_assessments, views


def register(router) -> None:
    router.register("frameworks", views.FrameworkViewSet, basename="framework")
    router.register("assessments", views.AssessmentViewSet, basename="assessment")
    router.register(
        "self-assessments", self_assessments.SelfAssessmentViewSet, basename="self-assessment"
    )
    router.register("calibration", calibration.CalibrationViewSet, basename="calibration")
    router.register("spot-checks", calibration.SpotCheckViewSet, basename="spot-check")
