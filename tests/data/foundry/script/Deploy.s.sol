// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

// A forge script (not compiled by the Python sandbox).
contract Deploy {}
