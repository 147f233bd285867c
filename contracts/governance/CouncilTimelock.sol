// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title CouncilTimelock
/// @notice OpenZeppelin's TimelockController with the regulator council as its only proposer,
/// canceller and executor and no outside admin: the time lock administers itself, so its roles
/// and minimum delay change only through a council proposal that waits out the delay.
contract CouncilTimelock is TimelockController {
    constructor(uint256 minDelay, address council)
        TimelockController(minDelay, _one(council), _one(council), address(0))
    {}

    function _one(address account) private pure returns (address[] memory list) {
        list = new address[](1);
        list[0] = account;
    }
}
