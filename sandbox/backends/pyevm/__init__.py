"""The py-evm engine (eth-tester's PyEVMBackend), behind :class:`sandbox.backends.base.ChainBackend`."""
