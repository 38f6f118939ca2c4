"""mlci.yaml: reading, validating and describing the spec."""

from mlci.spec.load import Project, load_project

__all__ = ["Project", "load_project"]
