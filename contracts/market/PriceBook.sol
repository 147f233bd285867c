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

    /// @dev The latest publication and the price it replaces, in one slot, so that a settlement
    /// reads one slot per region (R-15 is checked on every trade).
    struct Current {
        uint64 price;
        uint64 effectiveFrom;
        uint64 priorPrice;
        bool exists;
    }

    IAccountRegistry public immutable registry;
    mapping(uint32 pollutant => mapping(uint16 region => Current)) private _current;
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
        Current storage current = _current[pollutant][region];
        Benchmark[] storage series = _history[pollutant][region];
        Benchmark memory entry = Benchmark(fenPerTonne, effectiveFrom, uint64(block.number));
        if (current.exists && current.effectiveFrom > block.timestamp) {
            // a correction of the publication still waiting for its time
            if (current.effectiveFrom != effectiveFrom) revert PriceBookPending(effectiveFrom, current.effectiveFrom);
            current.price = fenPerTonne;
            series[series.length - 1] = entry;
        } else {
            current.priorPrice = current.price;
            current.price = fenPerTonne;
            current.effectiveFrom = effectiveFrom;
            current.exists = true;
            series.push(entry);
        }
        emit BenchmarkPublished(pollutant, region, fenPerTonne, effectiveFrom, msg.sender);
    }

    /// @inheritdoc IPriceBook
    function currentBenchmark(uint32 pollutant, uint16 region) public view returns (uint64 price) {
        price = _inForceNow(_current[pollutant][region]);
        if (price == 0 && region != 0) price = _inForceNow(_current[pollutant][0]);
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

    function _inForceNow(Current storage c) private view returns (uint64) {
        return block.timestamp >= c.effectiveFrom ? c.price : c.priorPrice;
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
