"""The one refusal of mlci's own `dvc status` (mlci.dvc.status): where mlci cannot be sure
what DVC would answer, `dvc status` answers instead."""


class Unsupported(Exception):
    """mlci cannot be sure what DVC would answer here: `dvc status` has to say."""
