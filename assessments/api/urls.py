from assessments.api import self_assessments, views


def register(router) -> None:
    router.register("frameworks", views.FrameworkViewSet, basename="framework")
    router.register("assessments", views.AssessmentViewSet, basename="assessment")
    router.register(
        "self-assessments", self_assessments.SelfAssessmentViewSet, basename="self-assessment"
    )
