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

    /// @notice A benchmark price was published; it is in force from `effectiveFrom` (R-15).
    /// @param pollutant the pollutant's id in the account registry
    /// @param region the district's code (0 = city-wide)
    /// @param fenPerTonne the price, fen per tonne
    /// @param effectiveFrom when it takes effect, unix seconds
    /// @param by who published it (the price bureau or the council's time lock)
    event BenchmarkPublished(
        uint32 indexed pollutant, uint16 indexed region, uint64 fenPerTonne, uint64 effectiveFrom, address indexed by
    );

    /// @notice The account registry has no such pollutant.
    /// @param pollutant the pollutant's id in the account registry
    error PriceBookUnknownPollutant(uint32 pollutant);
    /// @notice A benchmark of zero fen per tonne.
    error PriceBookZeroPrice();
    /// @notice A benchmark takes effect now or later, never before.
    /// @param effectiveFrom when it takes effect, unix seconds
    /// @param nowTime the block's time
    error PriceBookEffectiveInPast(uint64 effectiveFrom, uint64 nowTime);
    /// @notice A publication is still waiting to take effect; a new one waits until then.
    /// @param effectiveFrom when it takes effect, unix seconds
    /// @param pendingFrom when the waiting publication takes effect, unix seconds
    error PriceBookPending(uint64 effectiveFrom, uint64 pendingFrom);
    /// @notice No benchmark is in force for the pollutant in the district nor city-wide (R-15).
    /// @param pollutant the pollutant's id in the account registry
    /// @param region the district's code (0 = city-wide)
    error PriceBookNoBenchmark(uint32 pollutant, uint16 region);
    /// The publication takes effect before the notice period has passed.
    /// @param effectiveFrom when it takes effect, unix seconds
    /// @param earliest the earliest allowed, unix seconds
    error PriceBookNoticeTooShort(uint64 effectiveFrom, uint64 earliest);
    /// The price is outside the band around the benchmark it replaces.
    /// @param fenPerTonne the price, fen per tonne
    /// @param minimum the band's lower end, fen per tonne
    /// @param maximum the band's upper end, fen per tonne
    error PriceBookOutsideBand(uint64 fenPerTonne, uint64 minimum, uint64 maximum);
    /// No benchmark was in force a notice period ago: the reserve cannot pay at it yet.
    /// @param pollutant the pollutant's id in the account registry
    /// @param region the district's code (0 = city-wide)
    error PriceBookNoSettledBenchmark(uint32 pollutant, uint16 region);

    /// @notice The price bureau publishes a benchmark for `pollutant` in `region` (0 = city-wide),
    /// in force from `effectiveFrom` ≥ now + `notice()`, within `bandBps()` of the benchmark it
    /// replaces (the region's latest, else the city-wide one it falls back to; a pollutant's first
    /// benchmark has no band). At most one publication waits for its time: it may be corrected by
    /// publishing again for the same time while its notice still runs (the band is measured from
    /// the benchmark in force), and a later one waits until it is in force.
    /// @param pollutant the pollutant's id in the account registry
    /// @param region the district's code (0 = city-wide)
    /// @param fenPerTonne the price, fen per tonne
    /// @param effectiveFrom when it takes effect, unix seconds
    function publish(uint32 pollutant, uint16 region, uint64 fenPerTonne, uint64 effectiveFrom) external;

    /// @notice The regulator council (its time lock) decides a benchmark without notice or band,
    /// from `effectiveFrom` ≥ now; it replaces a publication still waiting for its time.
    /// @param pollutant the pollutant's id in the account registry
    /// @param region the district's code (0 = city-wide)
    /// @param fenPerTonne the price, fen per tonne
    /// @param effectiveFrom when it takes effect, unix seconds
    function publishByCouncil(uint32 pollutant, uint16 region, uint64 fenPerTonne, uint64 effectiveFrom) external;

    /// @notice The benchmark in force now for `pollutant` in `region`, falling back to the
    /// city-wide one; 0 if none is in force.
    /// @param pollutant the pollutant's id in the account registry
    /// @param region the district's code (0 = city-wide)
    /// @return fenPerTonne the price, fen per tonne
    function currentBenchmark(uint32 pollutant, uint16 region) external view returns (uint64 fenPerTonne);

    /// @notice The benchmark that was in force at `timestamp` (same fallback).
    /// @param pollutant the pollutant's id in the account registry
    /// @param region the district's code (0 = city-wide)
    /// @param timestamp the time asked, unix seconds
    /// @return the price, fen per tonne (0 when none)
    function benchmarkAt(uint32 pollutant, uint16 region, uint64 timestamp) external view returns (uint64);

    /// @notice The lower of the benchmark in force now and the one in force a notice period ago
    /// (same fallback); 0 if either is missing.
    /// @param pollutant the pollutant's id in the account registry
    /// @param region the district's code (0 = city-wide)
    /// @return the price, fen per tonne
    function settledBenchmark(uint32 pollutant, uint16 region) external view returns (uint64);

    /// @notice Every benchmark ever published for `pollutant` in `region` (0 = city-wide only).
    /// @param pollutant the pollutant's id in the account registry
    /// @param region the district's code (0 = city-wide)
    /// @return the publications, oldest first
    function history(uint32 pollutant, uint16 region) external view returns (Benchmark[] memory);

    /// @notice `kg` at the current benchmark, in fen, rounded up (the paid-use fee, R-08).
    /// @param pollutant the pollutant's id in the account registry
    /// @param region the district's code (0 = city-wide)
    /// @param kg the quantity, kg
    /// @return fen the amount, fen
    function quote(uint32 pollutant, uint16 region, uint64 kg) external view returns (uint256 fen);

    /// @notice `kg` at the settled benchmark, in fen, rounded up: what the reserve pays (R-26, R-27).
    /// @param pollutant the pollutant's id in the account registry
    /// @param region the district's code (0 = city-wide)
    /// @param kg the quantity, kg
    /// @return fen the amount, fen
    function settledQuote(uint32 pollutant, uint16 region, uint64 kg) external view returns (uint256 fen);

    /// @notice Seconds between a price bureau publication and its effect (deployment setting).
    /// @return the notice, seconds
    function notice() external view returns (uint64);

    /// @notice Largest change of a price bureau publication against the benchmark it replaces,
    /// in basis points of that benchmark (deployment setting).
    /// @return the band, basis points
    function bandBps() external view returns (uint16);
}
