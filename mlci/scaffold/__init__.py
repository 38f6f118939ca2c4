"""`mlci init`: a working, reproducible ML repository in one command."""
