"""Plugins for the whole test tree: pytester runs the pytest plugin's sample suites (tests/plugin)."""

pytest_plugins = ["pytester"]
