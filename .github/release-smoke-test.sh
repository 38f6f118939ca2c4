#!/usr/bin/env bash
# Install a built mlci wheel into a fresh venv, away from the checkout, and use it as a new
# user would: the version, the help, and the README's first command on the built-in example.
# Used by .github/workflows/release.yml and by tests/test_release.py.
set -euo pipefail
wheel="$(realpath "$1")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
python3 -m venv venv
venv/bin/python -m pip install --quiet "$wheel"
version="$(venv/bin/mlci --version)"
echo "installed: $version"
case "$(basename "$wheel")" in
  "mlci-${version#mlci }-"*) ;;
  *) echo "the wheel's name does not carry the version mlci reports ($version)" >&2; exit 1 ;;
esac
venv/bin/mlci --help >/dev/null
export XDG_DATA_HOME="$work/xdg" GIT_AUTHOR_NAME=smoke GIT_AUTHOR_EMAIL=smoke@mlci.invalid
export GIT_COMMITTER_NAME=smoke GIT_COMMITTER_EMAIL=smoke@mlci.invalid
PATH="$work/venv/bin:$PATH" mlci init demo --yes --commit
cd demo
PATH="$work/venv/bin:$PATH" mlci run
PATH="$work/venv/bin:$PATH" mlci generate --check
PATH="$work/venv/bin:$PATH" mlci status
echo "smoke test passed: $version"
