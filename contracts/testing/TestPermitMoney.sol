// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title TestPermitMoney
/// @notice Test-only settlement money with ERC-2612 permits (as the exchange's settlement token has):
/// anyone mints. Never deployed by the scripts.
contract TestPermitMoney is ERC20Permit {
    constructor() ERC20("Test settlement CNY", "tpCNY") ERC20Permit("Test settlement CNY") {}

    function decimals() public pure override returns (uint8) {
        return 2;
    }

    function mint(address to, uint256 fen) external {
        _mint(to, fen);
    }
}
