// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title TestMoney
/// @notice Test-only stand-in for the settlement money (fen, 2 decimals): anyone mints. Never deployed
/// by the scripts.
contract TestMoney is ERC20 {
    constructor() ERC20("Test settlement CNY", "tCNY") {}

    function decimals() public pure override returns (uint8) {
        return 2;
    }

    function mint(address to, uint256 fen) external {
        _mint(to, fen);
    }
}
