"""Plugins for the whole test tree: pytester runs the pytest plugin's sample suites (tests/plugin)."""

import os

pytest_plugins = ["pytester"]

# The `sandbox` processes the tests start run in their own process and start no warm command server
# (a server outlives the command that started it; tests/cli/test_server.py starts its own, in a private folder).
os.environ["SANDBOX_SERVER"] = "off"

# pyrevm is a PyO3 module, which can be initialized once per process. pytester's inline runs put sys.modules
# back as they found it, so a second inline run on revm would import it again and fail ("PyO3 modules may only
# be initialized once per interpreter process") unless this process holds it from the start.
import pyrevm  # noqa: E402, F401
