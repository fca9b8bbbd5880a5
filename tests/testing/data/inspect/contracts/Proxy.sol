// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @notice A public library: linked at deploy, reached by DELEGATECALL.
library MathLib {
    function triple(uint256 x) public pure returns (uint256) {
        require(x < 100, "MathLib: too big");
        return x * 3;
    }
}

/// @notice The implementation behind Proxy (slot 0 is the proxy's).
contract Impl {
    address private reserved;
    uint256 public stored;

    function set(uint256 x) external {
        stored = MathLib.triple(x);
    }
}

/// @notice A minimal forwarding proxy: every call runs Impl's code on the proxy's storage.
contract Proxy {
    address public impl;

    constructor(address impl_) {
        impl = impl_;
    }

    fallback() external payable {
        address target = impl;
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), target, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            switch ok
            case 0 { revert(0, returndatasize()) }
            default { return(0, returndatasize()) }
        }
    }
}
