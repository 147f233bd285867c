// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IPriceBook} from "../interfaces/IPriceBook.sol";
import {IAccountRegistry} from "../interfaces/IAccountRegistry.sol";
import {Roles} from "../access/Roles.sol";

/// @title PriceBook
/// @notice Benchmark prices per pollutant and region with their effective times (R-15).
contract PriceBook is IPriceBook, AccessControl {
    bytes32 public constant PRICE_SETTER_ROLE = Roles.PRICE_SETTER;

    IAccountRegistry public immutable registry;
    mapping(uint32 pollutant => mapping(uint16 region => Benchmark[])) private _history;

    constructor(address admin, IAccountRegistry registry_) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        registry = registry_;
    }

    /// @inheritdoc IPriceBook
    function publish(uint32 pollutant, uint16 region, uint64 fenPerTonne, uint64 effectiveFrom)
        external
        onlyRole(PRICE_SETTER_ROLE)
    {
        if (!registry.pollutant(pollutant).exists) revert PriceBookUnknownPollutant(pollutant);
        if (fenPerTonne == 0) revert PriceBookZeroPrice();
        if (effectiveFrom < block.timestamp) revert PriceBookEffectiveInPast(effectiveFrom, uint64(block.timestamp));
        Benchmark[] storage series = _history[pollutant][region];
        Benchmark memory entry = Benchmark(fenPerTonne, effectiveFrom, uint64(block.number));
        uint256 n = series.length;
        if (n > 0 && series[n - 1].effectiveFrom >= effectiveFrom) {
            Benchmark storage last = series[n - 1];
            // only a publication not yet in force may be replaced, and only at the same time
            if (last.effectiveFrom != effectiveFrom) revert PriceBookOutOfOrder(effectiveFrom, last.effectiveFrom);
            series[n - 1] = entry;
        } else {
            series.push(entry);
        }
        emit BenchmarkPublished(pollutant, region, fenPerTonne, effectiveFrom, msg.sender);
    }

    /// @inheritdoc IPriceBook
    function currentBenchmark(uint32 pollutant, uint16 region) public view returns (uint64) {
        return benchmarkAt(pollutant, region, uint64(block.timestamp));
    }

    /// @inheritdoc IPriceBook
    function benchmarkAt(uint32 pollutant, uint16 region, uint64 timestamp) public view returns (uint64 price) {
        price = _inForce(_history[pollutant][region], timestamp);
        if (price == 0 && region != 0) price = _inForce(_history[pollutant][0], timestamp);
    }

    /// @inheritdoc IPriceBook
    function history(uint32 pollutant, uint16 region) external view returns (Benchmark[] memory) {
        return _history[pollutant][region];
    }

    /// @inheritdoc IPriceBook
    function quote(uint32 pollutant, uint16 region, uint64 kg) external view returns (uint256) {
        uint64 price = currentBenchmark(pollutant, region);
        if (price == 0) revert PriceBookNoBenchmark(pollutant, region);
        return (uint256(kg) * price + 999) / 1000;
    }

    /// @dev Latest entry with effectiveFrom <= timestamp; entries are sorted by effectiveFrom.
    function _inForce(Benchmark[] storage series, uint64 timestamp) private view returns (uint64) {
        for (uint256 i = series.length; i > 0; --i) {
            Benchmark storage b = series[i - 1];
            if (b.effectiveFrom <= timestamp) return b.fenPerTonne;
        }
        return 0;
    }
}
