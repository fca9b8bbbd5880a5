"""`sandbox node`: JSON-RPC over the workshop chain."""
