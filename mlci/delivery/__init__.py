"""Delivering a version's package: checked by a smoke test, then copied to where a stage is
served (a folder, an object store, a command of the team's own), each switch all at once."""
