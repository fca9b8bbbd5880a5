"""Plugins for the whole test tree: pytester runs the pytest plugin's sample suites (tests/plugin)."""

import os

pytest_plugins = ["pytester"]

# The `sandbox` processes the tests start run in their own process and start no warm command server
# (a server outlives the command that started it; tests/cli/test_server.py starts its own, in a private folder).
os.environ["SANDBOX_SERVER"] = "off"
