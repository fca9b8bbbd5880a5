"""``python -m sandbox.cli``."""

from sandbox.cli.launch import main

main()
