"""The environment every bench's child processes start in: a user's shell, bytecode caching on.

A shell or CI job that sets ``PYTHONDONTWRITEBYTECODE`` makes every child
(a pytest run, a ``sandbox`` command) compile the project's sources and
pytest rewrite the plugin's modules from scratch on each start, which no user
pays twice; and it hits the Sandbox's rows (an editable install, no ``.pyc``
written by pip) harder than a peer's installed wheels. Importing this module
drops it for the rest of the run, so each row's first start writes the caches
that the timed starts read.
"""

from __future__ import annotations

import os

os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
