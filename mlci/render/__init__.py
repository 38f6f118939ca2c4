"""Spec -> text of the generated files. Pure functions: no file is read or written here."""
