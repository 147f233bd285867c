// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title BaselineERC20
/// @notice Test-only plain OpenZeppelin ERC-20: the gas baseline a payment is compared with in
/// benchmarks/gas_exchange.py. Never deployed by the scripts.
contract BaselineERC20 is ERC20 {
    constructor() ERC20("Baseline", "BASE") {}

    function mint(address to, uint256 value) external {
        _mint(to, value);
    }
}
