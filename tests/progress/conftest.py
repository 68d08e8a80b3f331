"""The progress tests stand on the program fixtures (world, winwin, supplier, dataset, ...)."""

from tests.assessments.conftest import assessment, framework  # noqa: F401
from tests.programs.conftest import dataset, project_a, supplier, winwin  # noqa: F401
