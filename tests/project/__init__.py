"""Tests of sandbox/project (a package: its test_cli.py is not tests/workshop/test_cli.py)."""
