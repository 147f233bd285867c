// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IUsageOracle} from "../interfaces/IUsageOracle.sol";

/// @title PostedUsage
/// @notice Test-only usage source: final figures posted directly, so the registry's tests do not
/// depend on the verification oracle's quorum and dispute window. Never deployed by the scripts.
contract PostedUsage is IUsageOracle {
    struct Figure {
        bool isFinal;
        uint64 kg;
    }

    mapping(address unit => mapping(uint32 pollutant => mapping(uint32 period => Figure))) private _figures;

    event UsagePosted(address indexed unit, uint32 indexed pollutant, uint32 indexed period, uint64 kg, bool isFinal);

    function post(address unit, uint32 pollutant, uint32 period, uint64 kg, bool isFinal) external {
        _figures[unit][pollutant][period] = Figure(isFinal, kg);
        emit UsagePosted(unit, pollutant, period, kg, isFinal);
    }

    function finalUsage(address unit, uint32 pollutant, uint32 period) external view returns (bool, uint64) {
        Figure memory f = _figures[unit][pollutant][period];
        return (f.isFinal, f.kg);
    }
}
