"""What each command does, callable without the command line: arguments are plain values,
answers are data (nothing is printed, no exit code is chosen here)."""
