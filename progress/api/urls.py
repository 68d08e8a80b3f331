from progress.api import progress, reports


def register(router) -> None:
    router.register("progress", progress.ProgressViewSet, basename="progress")
    router.register("reports", reports.ProgressReportViewSet, basename="report")
