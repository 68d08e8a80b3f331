from assessments.api import calibration, views


def register(router) -> None:
    router.register("frameworks", views.FrameworkViewSet, basename="framework")
    router.register("assessments", views.AssessmentViewSet, basename="assessment")
    router.register("calibration", calibration.CalibrationViewSet, basename="calibration")
    router.register("spot-checks", calibration.SpotCheckViewSet, basename="spot-check")
