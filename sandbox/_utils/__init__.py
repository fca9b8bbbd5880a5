"""Small helpers shared by several layers (private)."""
