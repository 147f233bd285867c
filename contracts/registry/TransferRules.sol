// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IRightsLedger} from "../interfaces/IRightsLedger.sol";
import {IAccountRegistry} from "../interfaces/IAccountRegistry.sol";
import {IPriceBook} from "../interfaces/IPriceBook.sol";
import {Switch} from "../interfaces/IPolicyBook.sol";
import {RuleContext} from "./RuleContext.sol";
import {Op, Origin, TradeMode, Reason, Sector, PollutantClass} from "../interfaces/Types.sol";

/// @title TransferRules
/// @notice The rule engine (compliance module): the one place where every rule about a balance
/// change is evaluated, by its R-ID. `_evaluate` answers with a Reason and the two values the
/// refusal is about; the `PolicyBook` that holds it is asked by the ledger before every change
/// and exposes it as the pre-check `check`; `LedgerRefusals.refuse` turns a Reason into its
/// named custom error. Which rules and instruments apply, and the green channel's limit, are the
/// city's policy (`Switch`, `Figure`): read once per movement from the policy book's own storage.
abstract contract TransferRules {
    /// @dev Movements with one party and no placement rules (surrender, pledge, release):
    /// the holder's profile and the pollutant are all their rules read (`ruleContext` without a
    /// receiving party). A bit per `Op`.
    uint256 private constant _ONE_PARTY_OPS =
        (1 << uint8(Op.Surrender)) | (1 << uint8(Op.Pledge)) | (1 << uint8(Op.Release));

    /// @notice The ledger whose balances the rules read.
    IRightsLedger public immutable ledger;
    IAccountRegistry public immutable registry;
    IPriceBook public immutable priceBook;

    constructor(IRightsLedger ledger_, IAccountRegistry registry_, IPriceBook priceBook_) {
        ledger = ledger_;
        registry = registry_;
        priceBook = priceBook_;
    }

    /// @dev The switch word in force now (bit n = `Switch(n)` on).
    function _switchesNow() internal view virtual returns (uint256);

    /// @dev R-21: the green channel's limit in force now.
    function _greenChannelLimitKg() internal view virtual returns (uint64);

    function _on(uint256 switches, Switch rule) internal pure returns (bool) {
        return switches & (1 << uint8(rule)) != 0;
    }

    /// @dev Why `m` is refused (Reason.Ok if it is allowed), and the values the refusal is about.
    function _evaluate(IRightsLedger.Movement memory m) internal view returns (Reason, uint256, uint256) {
        if (m.kg == 0) return (Reason.ZeroQuantity, 0, 0);
        Op op = m.op;
        uint256 sw = _switchesNow();
        // R-35: a city without leasing takes no new lease; open leases run to their term
        if (op == Op.LeaseOut && !_on(sw, Switch.Leasing)) return (Reason.NotInPolicy, uint8(Switch.Leasing), 0);
        IAccountRegistry.MovementContext memory c = _ONE_PARTY_OPS & (1 << uint8(op)) != 0
            ? _context(m.from, address(0), m.pollutant, 0)
            : _context(m.from, m.to, m.pollutant, sw);
        if (!c.pollutant.exists) return (Reason.UnknownPollutant, m.pollutant, 0);
        bool twoParties =
            op != Op.Allocate && op != Op.Surrender && op != Op.Pledge && op != Op.Release && op != Op.Offer;
        if (twoParties && m.from == m.to) return (Reason.SameAccount, 0, 0);
        if (op != Op.Allocate) {
            if (!c.from.registered) return (Reason.NotRegistered, uint160(m.from), 0);
            if (c.from.closed) return (Reason.AccountClosed, uint160(m.from), 0);
        }
        if (op == Op.Allocate || twoParties) {
            if (!c.to.registered) return (Reason.NotRegistered, uint160(m.to), 0);
            if (c.to.closed) return (Reason.AccountClosed, uint160(m.to), 0);
        }

        if (op == Op.Allocate) return _allocationRules(m, c, sw);
        if (op == Op.Trade) return _tradeRules(m, c, sw);
        if (op == Op.Surrender) return _surrenderRules(m);
        if (op == Op.Pledge) return _sellerRules(m, ledger.holderState(m.from, m.pollutant));
        if (op == Op.Release) return _pledgedRules(m);
        if (op == Op.EnforcedSale) return _enforcementRules(m, c, sw);
        if (op == Op.Reclaim) return _reclaimRules(m, c);
        if (op == Op.LeaseOut) return _leaseRules(m, c, sw);
        if (op == Op.Offer) return _offerRules(m, c, sw);
        if (op == Op.LeaseReturn) {
            uint64 leasedOut = ledger.positionOf(m.to, m.pollutant).leasedOut;
            return leasedOut < m.kg ? (Reason.InsufficientRights, leasedOut, m.kg) : (Reason.Ok, 0, 0);
        }
        return _successionRules(m);
    }

    /// @dev The registry's one read for a movement, decoded. The roll-out and the lists are read
    /// only where `sw` applies them (R-38, R-18): a rule that is off never looks at them. A
    /// one-party movement passes no counterparty and no switches.
    function _context(address from, address to, uint32 pollutant, uint256 sw)
        private
        view
        returns (IAccountRegistry.MovementContext memory)
    {
        (uint256 fromWord, uint256 toWord, uint256 facts) = registry.ruleContext(
            from, to, pollutant, _on(sw, Switch.SectorRollout), _on(sw, Switch.NonAttainmentBan)
        );
        return RuleContext.decode(fromWord, toWord, facts);
    }

    /// @dev R-30, R-31: a successor takes what the unit holds of each origin, pledged paid included.
    function _successionRules(IRightsLedger.Movement memory m) private view returns (Reason, uint256, uint256) {
        IRightsLedger.Balance memory b = ledger.balanceOf(m.from, m.pollutant);
        uint256 have = m.origin == Origin.Paid ? b.paid : m.origin == Origin.Free ? b.free : b.waived;
        return have < m.kg ? (Reason.InsufficientRights, have, m.kg) : (Reason.Ok, 0, 0);
    }

    // R-10 caps, R-11 industrial policy, R-38 paid use per sector
    function _allocationRules(IRightsLedger.Movement memory m, IAccountRegistry.MovementContext memory c, uint256 sw)
        private
        view
        returns (Reason, uint256, uint256)
    {
        if (c.to.policyRestricted) return (Reason.PolicyRestricted, uint160(m.to), 0);
        if (m.origin != Origin.Free && !_enabled(c.to.sector, c.toSectorEnabled, sw)) {
            return (Reason.SectorNotEnabled, uint160(m.to), uint8(c.to.sector));
        }
        IRightsLedger.Cap memory cap = ledger.capOf(m.region, m.pollutant);
        if (!cap.set) return (Reason.NoCap, m.region, m.pollutant);
        uint256 remaining = cap.cap - cap.allocated;
        if (m.kg > remaining) return (Reason.CapExceeded, remaining, m.kg);
        return (Reason.Ok, 0, 0);
    }

    function _tradeRules(IRightsLedger.Movement memory m, IAccountRegistry.MovementContext memory c, uint256 sw)
        private
        view
        returns (Reason r, uint256 have, uint256 need)
    {
        TradeMode mode = m.mode;
        // who may take part (R-17, R-11, R-38)
        if (c.from.restrictions != 0) return (Reason.Blacklisted, uint160(m.from), c.from.restrictions);
        (r, have, need) = _buyerEligibility(m, c, sw);
        if (r != Reason.Ok) return (r, have, need);
        if (!_enabled(c.from.sector, c.fromSectorEnabled, sw)) {
            return (Reason.SectorNotEnabled, uint160(m.from), uint8(c.from.sector));
        }
        // where the rights come from and go to (R-21, R-26, R-28)
        bool fromReserve = c.from.sector == Sector.Government;
        if ((mode == TradeMode.GreenChannel || mode == TradeMode.ReserveRelease) && !fromReserve) {
            return (Reason.NotReserve, uint160(m.from), 0);
        }
        if (mode == TradeMode.BuyBack && c.to.sector != Sector.Government) return (Reason.NotReserve, uint160(m.to), 0);
        if (mode == TradeMode.GreenChannel) {
            if (!_on(sw, Switch.GreenChannel)) return (Reason.NotInPolicy, uint8(Switch.GreenChannel), 0);
            uint64 intake = ledger.greenChannelIntake(m.to);
            if (uint256(intake) + m.kg >= _greenChannelLimitKg()) return (Reason.GreenChannelLimit, intake, m.kg);
        }
        if (mode == TradeMode.BuyBack && !_on(sw, Switch.BuyBack)) {
            return (Reason.NotInPolicy, uint8(Switch.BuyBack), 0);
        }
        (r, have, need) = _placeRules(m, c, sw);
        if (r != Reason.Ok) return (r, have, need);
        // a buy-back's price is the reserve's rule (R-26: the seller's settled district benchmark)
        if (mode != TradeMode.BuyBack) {
            (r, have, need) = _priceRule(m, c.to.district, sw);
            if (r != Reason.Ok) return (r, have, need);
        }
        IRightsLedger.HolderState memory seller = ledger.holderState(m.from, m.pollutant);
        (r, have, need) = _sellerRules(m, seller);
        if (r != Reason.Ok) return (r, have, need);
        // buy-backs (R-26) need no recognition
        if (mode == TradeMode.BuyBack) return (Reason.Ok, 0, 0);
        return _recognitionRules(m, c, sw, seller.position.tradable);
    }

    /// @dev The seller's side of a sale before there is a buyer (a listing): not blacklisted
    /// (R-17), recognised for the quantity (R-39), holding it unpledged above its permit (R-05–R-07),
    /// its sector open to trading where the city's policy rolls trading out by sector (R-38).
    function _offerRules(IRightsLedger.Movement memory m, IAccountRegistry.MovementContext memory c, uint256 sw)
        private
        view
        returns (Reason r, uint256 have, uint256 need)
    {
        if (c.from.restrictions != 0) return (Reason.Blacklisted, uint160(m.from), c.from.restrictions);
        IRightsLedger.HolderState memory seller = ledger.holderState(m.from, m.pollutant);
        (r, have, need) = _recognitionRules(m, c, sw, seller.position.tradable);
        if (r != Reason.Ok) return (r, have, need);
        (r, have, need) = _sellerRules(m, seller);
        if (r != Reason.Ok) return (r, have, need);
        if (!_enabled(c.from.sector, c.fromSectorEnabled, sw)) {
            return (Reason.SectorNotEnabled, uint160(m.from), uint8(c.from.sector));
        }
        return (Reason.Ok, 0, 0);
    }

    /// @dev R-39: units sell only recognised quantities after the party review; the reserve needs none.
    function _recognitionRules(
        IRightsLedger.Movement memory m,
        IAccountRegistry.MovementContext memory c,
        uint256 sw,
        uint64 certified
    ) private pure returns (Reason, uint256, uint256)
    {
        if (c.from.sector == Sector.Government) return (Reason.Ok, 0, 0);
        if (!c.from.qualifiedSeller && _on(sw, Switch.PartyReview)) {
            return (Reason.SellerNotQualified, uint160(m.from), 0);
        }
        if (!_on(sw, Switch.TradableRecognition)) return (Reason.Ok, 0, 0);
        if (certified < m.kg) return (Reason.NotCertifiedTradable, certified, m.kg);
        return (Reason.Ok, 0, 0);
    }

    // R-24: only unpledged holdings and leased-in rights can be surrendered
    function _surrenderRules(IRightsLedger.Movement memory m) private view returns (Reason, uint256, uint256) {
        uint256 have;
        if (m.leased) {
            have = ledger.positionOf(m.from, m.pollutant).leasedIn;
        } else {
            IRightsLedger.Balance memory b = ledger.balanceOf(m.from, m.pollutant);
            have = m.origin == Origin.Paid ? b.paid - b.pledged : m.origin == Origin.Free ? b.free : b.waived;
        }
        if (have < m.kg) return (Reason.InsufficientRights, have, m.kg);
        return (Reason.Ok, 0, 0);
    }

    /// @dev R-05 (only paid), R-07 (never pledged rights), R-06 (never below the permit).
    function _sellerRules(IRightsLedger.Movement memory m, IRightsLedger.HolderState memory s)
        private
        pure
        returns (Reason, uint256, uint256)
    {
        IRightsLedger.Balance memory b = s.balance;
        uint256 movable = b.paid - b.pledged;
        if (movable < m.kg) return (Reason.InsufficientRights, movable, m.kg);
        if (s.permitValid) {
            uint256 remaining = uint256(b.paid) + b.free + b.waived - b.pledged - m.kg;
            uint64 permitted = s.position.permitted;
            if (remaining < permitted) return (Reason.BelowPermit, remaining, permitted);
        }
        return (Reason.Ok, 0, 0);
    }

    function _pledgedRules(IRightsLedger.Movement memory m) private view returns (Reason, uint256, uint256) {
        uint64 pledged = ledger.balanceOf(m.from, m.pollutant).pledged;
        if (pledged < m.kg) return (Reason.InsufficientRights, pledged, m.kg);
        return (Reason.Ok, 0, 0);
    }

    /// @dev R-34: the bank's lien prevails over the pledgor's own eligibility; the buyer and the
    /// price are checked as for any trade.
    function _enforcementRules(IRightsLedger.Movement memory m, IAccountRegistry.MovementContext memory c, uint256 sw)
        private
        view
        returns (Reason r, uint256 have, uint256 need)
    {
        (r, have, need) = _buyerEligibility(m, c, sw);
        if (r != Reason.Ok) return (r, have, need);
        (r, have, need) = _placeRules(m, c, sw);
        if (r != Reason.Ok) return (r, have, need);
        (r, have, need) = _priceRule(m, c.to.district, sw);
        if (r != Reason.Ok) return (r, have, need);
        return _pledgedRules(m);
    }

    /// @dev R-27, R-33: reclaimed rights go to the government reserve, from unencumbered holdings.
    function _reclaimRules(IRightsLedger.Movement memory m, IAccountRegistry.MovementContext memory c)
        private
        view
        returns (Reason, uint256, uint256)
    {
        if (c.to.sector != Sector.Government) return (Reason.NotReserve, uint160(m.to), 0);
        return _surrenderRules(m);
    }

    /// @dev R-35: a lease moves the use of paid rights like a sale does (same eligibility and
    /// geography), without a price floor.
    function _leaseRules(IRightsLedger.Movement memory m, IAccountRegistry.MovementContext memory c, uint256 sw)
        private
        view
        returns (Reason r, uint256 have, uint256 need)
    {
        if (c.from.restrictions != 0) return (Reason.Blacklisted, uint160(m.from), c.from.restrictions);
        (r, have, need) = _buyerEligibility(m, c, sw);
        if (r != Reason.Ok) return (r, have, need);
        if (!_enabled(c.from.sector, c.fromSectorEnabled, sw)) {
            return (Reason.SectorNotEnabled, uint160(m.from), uint8(c.from.sector));
        }
        (r, have, need) = _placeRules(m, c, sw);
        if (r != Reason.Ok) return (r, have, need);
        return _sellerRules(m, ledger.holderState(m.from, m.pollutant));
    }

    /// @dev R-17 credit restrictions, R-11 industrial policy, R-38 roll-out, for the receiving side.
    function _buyerEligibility(IRightsLedger.Movement memory m, IAccountRegistry.MovementContext memory c, uint256 sw)
        private
        pure
        returns (Reason, uint256, uint256)
    {
        if (c.to.restrictions != 0) return (Reason.Blacklisted, uint160(m.to), c.to.restrictions);
        if (c.to.policyRestricted) return (Reason.PolicyRestricted, uint160(m.to), 0);
        if (!_enabled(c.to.sector, c.toSectorEnabled, sw)) return (Reason.SectorNotEnabled, uint160(m.to), uint8(c.to.sector));
        return (Reason.Ok, 0, 0);
    }

    /// @dev R-18 no sale into a non-attainment area from outside it; R-19 thermal power keeps its
    /// air-pollutant rights among thermal power; R-20 industry and livestock never trade with each
    /// other. The government reserve is on neither side of these lines.
    function _placeRules(IRightsLedger.Movement memory m, IAccountRegistry.MovementContext memory c, uint256 sw)
        private
        pure
        returns (Reason, uint256, uint256)
    {
        Sector s = c.from.sector;
        Sector t = c.to.sector;
        if (s == Sector.Government || t == Sector.Government) return (Reason.Ok, 0, 0);
        if (
            _on(sw, Switch.NonAttainmentBan)
                && (
                    (c.toDistrictNonAttainment && c.from.district != c.to.district)
                        || (c.toBasinNonAttainment && c.from.basin != c.to.basin)
                )
        ) return (Reason.NonAttainmentDestination, uint160(m.to), m.pollutant);
        if (
            _on(sw, Switch.ThermalPowerAirBan) && c.pollutant.class == PollutantClass.Air
                && (s == Sector.ThermalPower) != (t == Sector.ThermalPower)
        ) {
            return (Reason.ThermalPowerAirPollutant, uint160(m.from), uint160(m.to));
        }
        if (
            _on(sw, Switch.IndustryLivestockBan)
                && ((_industrial(s) && t == Sector.Livestock) || (s == Sector.Livestock && _industrial(t)))
        ) {
            return (Reason.IndustryLivestock, uint160(m.from), uint160(m.to));
        }
        return (Reason.Ok, 0, 0);
    }

    /// @dev R-15: the price covers the quantity at the benchmark of the buyer's region (or the
    /// city-wide one), compared exactly in fen.
    function _priceRule(IRightsLedger.Movement memory m, uint16 region, uint256 sw)
        private
        view
        returns (Reason, uint256, uint256)
    {
        if (!_on(sw, Switch.PriceFloor)) return (Reason.Ok, 0, 0);
        uint64 benchmark = priceBook.currentBenchmark(m.pollutant, region);
        if (benchmark == 0) return (Reason.NoBenchmark, m.pollutant, region);
        uint256 minimumFen = (uint256(m.kg) * benchmark + 999) / 1000;
        if (m.priceFen < minimumFen) return (Reason.PriceBelowBenchmark, m.priceFen, minimumFen);
        return (Reason.Ok, 0, 0);
    }

    /// @dev R-38: without a roll-out in the city's policy every sector trades.
    function _enabled(Sector sector, bool enabled, uint256 sw) private pure returns (bool) {
        return enabled || sector == Sector.Government || !_on(sw, Switch.SectorRollout);
    }

    function _industrial(Sector sector) private pure returns (bool) {
        return sector == Sector.Industry || sector == Sector.ThermalPower;
    }
}
