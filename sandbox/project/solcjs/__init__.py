"""The solc-compatible command line over solc-js (``solc``, ``solc.js``) and its kept-loaded worker (``worker.py``)."""
