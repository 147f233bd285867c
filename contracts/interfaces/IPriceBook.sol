// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IPriceBook
/// @notice Benchmark prices (交易基准价格) published by the price bureau per pollutant and region,
/// each with the time it takes effect; the whole history stays readable (R-15). Prices are fen per
/// tonne (元/吨 × 100), the unit the bureau publishes in; amounts are computed from kg exactly.
interface IPriceBook {
    struct Benchmark {
        uint64 fenPerTonne;
        uint64 effectiveFrom; // unix seconds
        uint64 publishedAtBlock;
    }

    event BenchmarkPublished(
        uint32 indexed pollutant, uint16 indexed region, uint64 fenPerTonne, uint64 effectiveFrom, address indexed by
    );

    error PriceBookUnknownPollutant(uint32 pollutant);
    error PriceBookZeroPrice();
    error PriceBookEffectiveInPast(uint64 effectiveFrom, uint64 nowTime);
    error PriceBookPending(uint64 effectiveFrom, uint64 pendingFrom);
    error PriceBookNoBenchmark(uint32 pollutant, uint16 region);

    /// @notice Publish a benchmark for `pollutant` in `region` (0 = city-wide) from `effectiveFrom`
    /// (not in the past). At most one publication waits for its time: it may be corrected by
    /// publishing again for the same time, and a later one waits until it is in force.
    function publish(uint32 pollutant, uint16 region, uint64 fenPerTonne, uint64 effectiveFrom) external;

    /// @notice The benchmark in force now for `pollutant` in `region`, falling back to the
    /// city-wide one; 0 if none is in force.
    function currentBenchmark(uint32 pollutant, uint16 region) external view returns (uint64 fenPerTonne);

    /// @notice The benchmark that was in force at `timestamp` (same fallback).
    function benchmarkAt(uint32 pollutant, uint16 region, uint64 timestamp) external view returns (uint64);

    /// @notice Every benchmark ever published for `pollutant` in `region` (0 = city-wide only).
    function history(uint32 pollutant, uint16 region) external view returns (Benchmark[] memory);

    /// @notice `kg` at the current benchmark, in fen, rounded up (the paid-use fee, R-08).
    function quote(uint32 pollutant, uint16 region, uint64 kg) external view returns (uint256 fen);
}
