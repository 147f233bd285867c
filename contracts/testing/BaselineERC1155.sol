// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";

/// @title BaselineERC1155
/// @notice Test-only plain OpenZeppelin ERC-1155 (no rules, no roles): the gas baseline a rights
/// transfer is compared with in benchmarks/gas_exchange.py. Never deployed by the scripts.
contract BaselineERC1155 is ERC1155 {
    constructor() ERC1155("") {}

    function mint(address to, uint256 id, uint256 value) external {
        _mint(to, id, value, "");
    }

    function burn(address from, uint256 id, uint256 value) external {
        if (from != msg.sender && !isApprovedForAll(from, msg.sender)) {
            revert ERC1155MissingApprovalForAll(msg.sender, from);
        }
        _burn(from, id, value);
    }
}
