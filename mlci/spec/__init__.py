"""mlci.yaml: reading (load), validating (model, checks) and describing (schema) the spec.

Nothing is imported here: `mlci.spec.paths` is used by commands that never load a spec, and
importing the models costs pydantic's start-up.
"""
