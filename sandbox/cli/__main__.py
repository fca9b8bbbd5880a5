"""``python -m sandbox.cli``."""

from sandbox.cli.app import main

main()
