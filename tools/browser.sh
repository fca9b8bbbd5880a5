#!/bin/sh
# Headless Chromium + Playwright for the web gallery's browser test (make setup runs this).
# Chromium comes from Debian (never a browser download); Playwright is the Python
# package, which drives that binary through executable_path.
set -eu
VENV="${VENV:-.venv}"
if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "tools/browser.sh: /usr/bin/chromium is missing; install it with: sudo apt-get install -y chromium" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if ! "$VENV/bin/python" -c "import playwright" 2>/dev/null; then
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -c requirements.lock "playwright>=1.40,<2"
fi
/usr/bin/chromium --version
