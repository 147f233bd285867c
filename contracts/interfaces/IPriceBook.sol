// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title IPriceBook
/// @notice Benchmark prices (交易基准价格) published by the price bureau per pollutant and region,
/// each with the time it takes effect; the whole history stays readable (R-15). Prices are fen per
/// tonne (元/吨 × 100), the unit the bureau publishes in; amounts are computed from kg exactly.
///
/// No single key moves a price at once (docs/security.md): the price bureau's publication takes
/// effect only after the notice period (`notice()`) and within the band (`bandBps()`) of the
/// benchmark it replaces; the regulator council (its time lock) decides outside those bounds. The
/// reserve pays out only at a *settled* benchmark (`settledQuote`): the lower of the one in force
/// now and the one in force a notice period ago, so a raise reaches public money only after it
/// has been in force for a whole notice period.
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
    /// The publication takes effect before the notice period has passed.
    error PriceBookNoticeTooShort(uint64 effectiveFrom, uint64 earliest);
    /// The price is outside the band around the benchmark it replaces.
    error PriceBookOutsideBand(uint64 fenPerTonne, uint64 minimum, uint64 maximum);
    /// No benchmark was in force a notice period ago: the reserve cannot pay at it yet.
    error PriceBookNoSettledBenchmark(uint32 pollutant, uint16 region);

    /// @notice The price bureau publishes a benchmark for `pollutant` in `region` (0 = city-wide),
    /// in force from `effectiveFrom` ≥ now + `notice()`, within `bandBps()` of the benchmark it
    /// replaces (the region's latest, else the city-wide one it falls back to; a pollutant's first
    /// benchmark has no band). At most one publication waits for its time: it may be corrected by
    /// publishing again for the same time while its notice still runs (the band is measured from
    /// the benchmark in force), and a later one waits until it is in force.
    function publish(uint32 pollutant, uint16 region, uint64 fenPerTonne, uint64 effectiveFrom) external;

    /// @notice The regulator council (its time lock) decides a benchmark without notice or band,
    /// from `effectiveFrom` ≥ now; it replaces a publication still waiting for its time.
    function publishByCouncil(uint32 pollutant, uint16 region, uint64 fenPerTonne, uint64 effectiveFrom) external;

    /// @notice The benchmark in force now for `pollutant` in `region`, falling back to the
    /// city-wide one; 0 if none is in force.
    function currentBenchmark(uint32 pollutant, uint16 region) external view returns (uint64 fenPerTonne);

    /// @notice The benchmark that was in force at `timestamp` (same fallback).
    function benchmarkAt(uint32 pollutant, uint16 region, uint64 timestamp) external view returns (uint64);

    /// @notice The lower of the benchmark in force now and the one in force a notice period ago
    /// (same fallback); 0 if either is missing.
    function settledBenchmark(uint32 pollutant, uint16 region) external view returns (uint64);

    /// @notice Every benchmark ever published for `pollutant` in `region` (0 = city-wide only).
    function history(uint32 pollutant, uint16 region) external view returns (Benchmark[] memory);

    /// @notice `kg` at the current benchmark, in fen, rounded up (the paid-use fee, R-08).
    function quote(uint32 pollutant, uint16 region, uint64 kg) external view returns (uint256 fen);

    /// @notice `kg` at the settled benchmark, in fen, rounded up: what the reserve pays (R-26, R-27).
    function settledQuote(uint32 pollutant, uint16 region, uint64 kg) external view returns (uint256 fen);

    /// @notice Seconds between a price bureau publication and its effect (deployment setting).
    function notice() external view returns (uint64);

    /// @notice Largest change of a price bureau publication against the benchmark it replaces,
    /// in basis points of that benchmark (deployment setting).
    function bandBps() external view returns (uint16);
}
