"""The dev-data tests stand on the registry, assessment and program fixtures."""

from tests.assessments.conftest import assessment, framework  # noqa: F401
from tests.programs.conftest import dataset, project_a, supplier, winwin  # noqa: F401
