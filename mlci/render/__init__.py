"""Spec -> text of the generated files. Pure functions: no file is read or written here.

Nothing here edits a user's file either: merging mlci's stages into a user's dvc.yaml,
comments and all, is mlci.generate's job (mlci.generate.dvcyaml_editor).
"""
