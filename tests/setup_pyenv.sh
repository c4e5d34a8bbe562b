#!/usr/bin/env bash
# The Python environment of the client tests: a venv (with the system's
# packages visible) holding tritonclient[http] from PyPI, made once per build
# directory. Usage: tests/setup_pyenv.sh DIR
set -euo pipefail
dir="$1"
if [ -x "$dir/bin/python" ] && "$dir/bin/python" -c "import tritonclient.http" 2>/dev/null; then
  echo "setup_pyenv: $dir ready"
  exit 0
fi
python3 -m venv --system-site-packages "$dir"
"$dir/bin/pip" install -q --disable-pip-version-check "tritonclient[http]"
"$dir/bin/python" -c "import tritonclient.http; print('setup_pyenv: tritonclient', tritonclient.http.__name__, 'installed in $dir')"
