"""``sandbox ui``: the web gallery on the workshop chain (see :mod:`sandbox.web.app`)."""

from sandbox.web.app import create_app

__all__ = ["create_app"]
