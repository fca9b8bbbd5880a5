"""The pytest plugin and what tests use with it: strategies, balance changes, the gas report."""
