"""A project folder, its toolchain (node, npm packages, solc-js) and the compiler."""

from sandbox.project.config import Project

__all__ = ["Project"]
