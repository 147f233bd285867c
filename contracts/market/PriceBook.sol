// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {CouncilUpgradeable} from "../proxy/CouncilUpgradeable.sol";
import {IPriceBook} from "../interfaces/IPriceBook.sol";
import {IAccountRegistry} from "../interfaces/IAccountRegistry.sol";
import {Roles} from "../access/Roles.sol";

/// @title PriceBook
/// @notice Benchmark prices per pollutant and region with their effective times (R-15): the price
/// bureau's publications wait out a notice period and move within a band; the council decides
/// outside them (docs/security.md).
/// @custom:oz-upgrades-unsafe-allow state-variable-immutable (peer proxy addresses and fixed settings;
/// docs/operations.md "Upgrades")
contract PriceBook is IPriceBook, CouncilUpgradeable {
    bytes32 public constant PRICE_SETTER_ROLE = Roles.PRICE_SETTER;
    bytes32 public constant TIMELOCK_ROLE = Roles.TIMELOCK; // the council's time lock
    uint16 private constant BPS = 10_000;

    /// @dev The latest publication and the price it replaces, in one slot, so that a settlement
    /// reads one slot per region (R-15 is checked on every trade).
    struct Current {
        uint64 price;
        uint64 effectiveFrom;
        uint64 priorPrice;
        bool exists;
    }

    IAccountRegistry public immutable registry;
    uint64 private immutable _notice;
    uint16 private immutable _bandBps;
    mapping(uint32 pollutant => mapping(uint16 region => Current)) private _current;
    mapping(uint32 pollutant => mapping(uint16 region => Benchmark[])) private _history;

    /// @param notice_ seconds between a price bureau publication and its effect
    /// @param bandBps_ largest change of a publication against the benchmark it replaces, in
    /// basis points (5 000 = ±50 %)
    constructor(IAccountRegistry registry_, uint64 notice_, uint16 bandBps_) {
        registry = registry_;
        _notice = notice_;
        _bandBps = bandBps_;
    }

    /// @notice Runs once, through the proxy that creates this contract (docs/operations.md "Upgrades").
    /// @param admin holder of DEFAULT_ADMIN_ROLE until it hands administration to the council's time lock
    function initialize(address admin) external initializer {
        _initCouncilAdmin(admin);
    }

    /// @inheritdoc IPriceBook
    function publish(uint32 pollutant, uint16 region, uint64 fenPerTonne, uint64 effectiveFrom)
        external
        onlyRole(PRICE_SETTER_ROLE)
    {
        uint64 earliest = uint64(block.timestamp) + _notice;
        if (effectiveFrom < earliest) revert PriceBookNoticeTooShort(effectiveFrom, earliest);
        uint64 replaced = currentBenchmark(pollutant, region);
        if (replaced != 0 && fenPerTonne != 0) {
            uint256 delta = uint256(replaced) * _bandBps / BPS;
            uint256 maximum = replaced + delta;
            uint256 minimum = delta < replaced ? replaced - delta : 1;
            if (fenPerTonne < minimum || fenPerTonne > maximum) {
                revert PriceBookOutsideBand(fenPerTonne, uint64(minimum), _u64(maximum));
            }
        }
        _publish(pollutant, region, fenPerTonne, effectiveFrom, false);
    }

    /// @inheritdoc IPriceBook
    function publishByCouncil(uint32 pollutant, uint16 region, uint64 fenPerTonne, uint64 effectiveFrom)
        external
        onlyRole(TIMELOCK_ROLE)
    {
        _publish(pollutant, region, fenPerTonne, effectiveFrom, true);
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
    function settledBenchmark(uint32 pollutant, uint16 region) public view returns (uint64) {
        uint64 current = currentBenchmark(pollutant, region);
        uint64 earlier = benchmarkAt(pollutant, region, uint64(block.timestamp) - _notice);
        return earlier < current ? earlier : current;
    }

    /// @inheritdoc IPriceBook
    function history(uint32 pollutant, uint16 region) external view returns (Benchmark[] memory) {
        return _history[pollutant][region];
    }

    /// @inheritdoc IPriceBook
    function quote(uint32 pollutant, uint16 region, uint64 kg) external view returns (uint256) {
        uint64 price = currentBenchmark(pollutant, region);
        if (price == 0) revert PriceBookNoBenchmark(pollutant, region);
        return _fen(kg, price);
    }

    /// @inheritdoc IPriceBook
    function settledQuote(uint32 pollutant, uint16 region, uint64 kg) external view returns (uint256) {
        uint64 price = settledBenchmark(pollutant, region);
        if (price == 0) revert PriceBookNoSettledBenchmark(pollutant, region);
        return _fen(kg, price);
    }

    /// @inheritdoc IPriceBook
    function notice() external view returns (uint64) {
        return _notice;
    }

    /// @inheritdoc IPriceBook
    function bandBps() external view returns (uint16) {
        return _bandBps;
    }

    /// @dev The one write of a benchmark. A publication still waiting for its time is corrected in
    /// place (the bureau: for the same time only; the council: for any time from now).
    function _publish(uint32 pollutant, uint16 region, uint64 fenPerTonne, uint64 effectiveFrom, bool council)
        private
    {
        if (!registry.pollutant(pollutant).exists) revert PriceBookUnknownPollutant(pollutant);
        if (fenPerTonne == 0) revert PriceBookZeroPrice();
        if (effectiveFrom < block.timestamp) revert PriceBookEffectiveInPast(effectiveFrom, uint64(block.timestamp));
        Current storage current = _current[pollutant][region];
        Benchmark[] storage series = _history[pollutant][region];
        Benchmark memory entry = Benchmark(fenPerTonne, effectiveFrom, uint64(block.number));
        if (current.exists && current.effectiveFrom > block.timestamp) {
            if (!council && current.effectiveFrom != effectiveFrom) {
                revert PriceBookPending(effectiveFrom, current.effectiveFrom);
            }
            current.price = fenPerTonne;
            current.effectiveFrom = effectiveFrom;
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

    function _fen(uint64 kg, uint64 price) private pure returns (uint256) {
        return (uint256(kg) * price + 999) / 1000;
    }

    function _u64(uint256 value) private pure returns (uint64) {
        return value > type(uint64).max ? type(uint64).max : uint64(value);
    }
}
