// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {CouncilUpgradeable} from "../proxy/CouncilUpgradeable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IGovernmentReserve} from "../interfaces/IGovernmentReserve.sol";
import {IRightsLedger} from "../interfaces/IRightsLedger.sol";
import {IAccountRegistry} from "../interfaces/IAccountRegistry.sol";
import {IPriceBook} from "../interfaces/IPriceBook.sol";
import {IComplianceManager} from "../interfaces/IComplianceManager.sol";
import {Op, Origin, Sector, TradeMode} from "../interfaces/Types.sol";
import {LedgerRefusals} from "../registry/LedgerRefusals.sol";
import {Roles} from "../access/Roles.sol";
import {SignedActions} from "../utils/SignedActions.sol";

/// @title GovernmentReserve
/// @notice The reserve account and its books: stock by source, releases by use (SPEC §8).
/// @custom:oz-upgrades-unsafe-allow state-variable-immutable (peer proxy addresses and fixed settings;
/// docs/operations.md "Upgrades")
contract GovernmentReserve is IGovernmentReserve, CouncilUpgradeable, SignedActions {
    using SafeERC20 for IERC20;

    bytes32 public constant REGULATOR_ROLE = Roles.REGULATOR;
    bytes32 public constant LIFECYCLE_ROLE = Roles.LIFECYCLE;
    /// The council's time lock: reclaims and facility acquisitions (public money, docs/security.md).
    bytes32 public constant TIMELOCK_ROLE = Roles.TIMELOCK;
    bytes32 public constant BUY_BACK_TYPEHASH = keccak256(
        "BuyBack(address unit,uint32 pollutant,uint32 period,uint64 kg,uint256 minPriceFen,uint256 nonce,uint256 deadline)"
    );
    bytes32 public constant ACCEPT_RELEASE_TYPEHASH = keccak256(
        "AcceptRelease(address buyer,uint256 id,uint32 pollutant,uint64 kg,uint256 priceFen,uint256 nonce,uint256 deadline)"
    );
    IAccountRegistry public immutable registry;
    IRightsLedger public immutable ledger;
    IPriceBook public immutable priceBook;
    IComplianceManager public immutable compliance;
    IERC20 public immutable money;
    address public immutable treasury;

    mapping(Source source => mapping(uint32 pollutant => uint64)) private _inflow;
    mapping(Source source => mapping(uint32 pollutant => uint64)) private _outflow;
    mapping(Use use => mapping(uint32 pollutant => uint64)) private _released;
    Offer[] private _offers; // id = index + 1

    constructor(
        IAccountRegistry registry_,
        IRightsLedger ledger_,
        IPriceBook priceBook_,
        IComplianceManager compliance_,
        IERC20 money_,
        address treasury_
    ) SignedActions("GovernmentReserve", "2") {
        if (treasury_ == address(0)) revert ReserveZeroAddress();
        registry = registry_;
        ledger = ledger_;
        priceBook = priceBook_;
        compliance = compliance_;
        money = money_;
        treasury = treasury_;
    }

    /// @notice Runs once, through the proxy that creates this contract (docs/operations.md "Upgrades").
    /// @param admin holder of DEFAULT_ADMIN_ROLE until it hands administration to the council's time lock
    function initialize(address admin) external initializer {
        _initCouncilAdmin(admin);
    }

    // ------------------------------------------------------------------ inflows (R-27)

    /// @inheritdoc IGovernmentReserve
    /// @dev High impact: only through the regulator council's time lock (docs/security.md).
    function reclaim(address unit, uint32 pollutant, Origin origin, uint64 kg, Source source, string calldata reason)
        external
        onlyRole(TIMELOCK_ROLE)
    {
        if (source != Source.Reclaimed && source != Source.Idle) revert ReserveInvalidSource(source);
        uint256 pay = origin == Origin.Paid ? _settledPrice(unit, pollutant, kg) : 0;
        _book(source, unit, pollutant, origin, kg, pay, reason);
        ledger.reclaim(unit, address(this), pollutant, origin, kg);
        _pay(unit, pay);
    }

    /// @inheritdoc IGovernmentReserve
    function reclaimForFraud(address unit, string calldata reason) external onlyRole(LIFECYCLE_ROLE) {
        uint32 count = registry.pollutantCount();
        uint64[3][] memory parts = new uint64[3][](count + 1);
        for (uint32 p = 1; p <= count; ++p) {
            IRightsLedger.Balance memory b = ledger.balanceOf(unit, p);
            parts[p] = [b.paid - b.pledged, b.free, b.waived];
            for (uint8 o; o < 3; ++o) {
                if (parts[p][o] != 0) _book(Source.Fraud, unit, p, Origin(o), parts[p][o], 0, reason);
            }
        }
        for (uint32 p = 1; p <= count; ++p) {
            for (uint8 o; o < 3; ++o) {
                if (parts[p][o] != 0) ledger.reclaim(unit, address(this), p, Origin(o), parts[p][o]);
            }
        }
    }

    /// @inheritdoc IGovernmentReserve
    function buyBack(uint32 pollutant, uint32 period, uint64 kg) external {
        _buyBack(msg.sender, pollutant, period, kg, 0);
    }

    /// @inheritdoc IGovernmentReserve
    function buyBackBySig(
        address unit,
        uint32 pollutant,
        uint32 period,
        uint64 kg,
        uint256 minPriceFen,
        uint256 deadline,
        bytes calldata signature
    ) external {
        _useSignature(
            unit, abi.encode(BUY_BACK_TYPEHASH, unit, pollutant, period, kg, minPriceFen), deadline, signature
        );
        _buyBack(unit, pollutant, period, kg, minPriceFen);
    }

    /// @inheritdoc IGovernmentReserve
    /// @dev Creates rights and pays public money: only through the regulator council's time lock.
    function acquireFromFacility(address facility, uint32 pollutant, uint64 kg) external onlyRole(TIMELOCK_ROLE) {
        IAccountRegistry.Profile memory p = registry.profile(facility);
        if (!p.registered || p.closed || p.sector != Sector.TreatmentFacility) revert ReserveNotFacility(facility);
        uint256 pay = priceBook.settledQuote(pollutant, p.district, kg);
        _book(Source.Facility, facility, pollutant, Origin.Paid, kg, pay, "");
        ledger.create(address(this), pollutant, kg, p.district); // R-10: within the district's cap
        _pay(facility, pay);
    }

    // ------------------------------------------------------------------ outflows (R-28)

    /// @inheritdoc IGovernmentReserve
    function offerRelease(
        address buyer,
        uint32 pollutant,
        uint64 kg,
        uint256 priceFen,
        Source source,
        Use use,
        string calldata reason
    ) external onlyRole(REGULATOR_ROLE) returns (uint256 id) {
        if (kg == 0) revert ReserveZeroQuantity();
        _requireStock(source, pollutant, kg);
        // what the acceptance would refuse today (R-15, R-17 – R-21, R-38) is refused now, with
        // the ledger's named error; the acceptance checks it again
        LedgerRefusals.requireAllowed(ledger, _release(buyer, pollutant, kg, priceFen, use));
        _offers.push(Offer(buyer, pollutant, kg, source, use, true, priceFen));
        id = _offers.length;
        emit ReleaseOffered(id, buyer, pollutant, kg, priceFen, use);
        if (bytes(reason).length != 0) emit ReleaseReason(id, reason);
    }

    /// @inheritdoc IGovernmentReserve
    function withdrawOffer(uint256 id) external onlyRole(REGULATOR_ROLE) {
        Offer storage o = _openOffer(id);
        o.open = false;
        emit ReleaseWithdrawn(id);
    }

    /// @inheritdoc IGovernmentReserve
    function acceptRelease(uint256 id) external {
        _acceptRelease(msg.sender, id);
    }

    /// @inheritdoc IGovernmentReserve
    function acceptReleaseBySig(
        address buyer,
        uint256 id,
        uint32 pollutant,
        uint64 kg,
        uint256 priceFen,
        uint256 deadline,
        bytes calldata signature
    ) external {
        _useSignature(
            buyer, abi.encode(ACCEPT_RELEASE_TYPEHASH, buyer, id, pollutant, kg, priceFen), deadline, signature
        );
        Offer storage o = _openOffer(id);
        if (o.pollutant != pollutant || o.kg != kg || o.priceFen != priceFen) revert ReserveOfferMismatch(id);
        _acceptRelease(buyer, id);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IGovernmentReserve
    function stock(Source source, uint32 pollutant) public view returns (uint64) {
        return _inflow[source][pollutant] - _outflow[source][pollutant];
    }

    /// @inheritdoc IGovernmentReserve
    function inflow(Source source, uint32 pollutant) external view returns (uint64) {
        return _inflow[source][pollutant];
    }

    /// @inheritdoc IGovernmentReserve
    function outflow(Source source, uint32 pollutant) external view returns (uint64) {
        return _outflow[source][pollutant];
    }

    /// @inheritdoc IGovernmentReserve
    function released(Use use, uint32 pollutant) external view returns (uint64) {
        return _released[use][pollutant];
    }

    /// @inheritdoc IGovernmentReserve
    function offer(uint256 id) external view returns (Offer memory) {
        if (id == 0 || id > _offers.length) revert ReserveUnknownOffer(id);
        return _offers[id - 1];
    }

    // ------------------------------------------------------------------ internals

    /// @dev R-26: the period's surplus only, at the unit's own (district) settled benchmark, never
    /// below what the unit accepted.
    function _buyBack(address unit, uint32 pollutant, uint32 period, uint64 kg, uint256 minPriceFen) private {
        uint256 price = _settledPrice(unit, pollutant, kg);
        if (price < minPriceFen) revert ReservePriceBelowAccepted(price, minPriceFen);
        _book(Source.BoughtBack, unit, pollutant, Origin.Paid, kg, price, "");
        if (!compliance.useSurplus(unit, pollutant, period, kg)) revert ReserveBuyBackClosed(unit, pollutant, period);
        ledger.trade(unit, address(this), pollutant, kg, price, TradeMode.BuyBack); // R-05, R-06, R-07
        _pay(unit, price);
    }

    function _acceptRelease(address buyer, uint256 id) private {
        Offer storage o = _openOffer(id);
        if (buyer != o.buyer) revert ReserveNotBuyer(id, buyer);
        _requireStock(o.source, o.pollutant, o.kg);
        o.open = false;
        _outflow[o.source][o.pollutant] += o.kg;
        _released[o.use][o.pollutant] += o.kg;
        emit ReserveOutflow(id, o.use, o.buyer, o.pollutant, o.source, o.kg, o.priceFen);
        IRightsLedger.Movement memory m = _release(o.buyer, o.pollutant, o.kg, o.priceFen, o.use);
        ledger.trade(address(this), m.to, m.pollutant, m.kg, m.priceFen, m.mode); // R-15, R-17–R-21
        money.safeTransferFrom(buyer, treasury, o.priceFen); // the buyer pays; R-29: revenue to the treasury
    }

    /// @dev The trade a release makes: from the reserve, by green channel (R-21) or release (R-28).
    function _release(address buyer, uint32 pollutant, uint64 kg, uint256 priceFen, Use use)
        private
        view
        returns (IRightsLedger.Movement memory)
    {
        TradeMode mode = use == Use.GreenChannel ? TradeMode.GreenChannel : TradeMode.ReserveRelease;
        return IRightsLedger.Movement(Op.Trade, address(this), buyer, pollutant, kg, priceFen, mode, 0, Origin.Paid, false);
    }

    function _book(
        Source source,
        address from,
        uint32 pollutant,
        Origin origin,
        uint64 kg,
        uint256 paidFen,
        string memory reason
    ) private {
        if (kg == 0) revert ReserveZeroQuantity();
        _inflow[source][pollutant] += kg;
        emit ReserveInflow(source, from, pollutant, origin, kg, paidFen, reason);
    }

    /// @dev What the reserve pays for a unit's paid rights: `kg` at the settled benchmark of the
    /// unit's district (the price where it bought them), falling back to the city-wide one.
    function _settledPrice(address unit, uint32 pollutant, uint64 kg) private view returns (uint256) {
        return priceBook.settledQuote(pollutant, registry.profile(unit).district, kg);
    }

    /// @dev Pays from the reserve fund after the rights moved (checks-effects-interactions).
    function _pay(address to, uint256 fen) private {
        if (fen == 0) return;
        uint256 fund = money.balanceOf(address(this));
        if (fund < fen) revert ReserveInsufficientFund(fund, fen);
        money.safeTransfer(to, fen);
    }

    function _requireStock(Source source, uint32 pollutant, uint64 kg) private view {
        uint64 have = stock(source, pollutant);
        if (have < kg) revert ReserveInsufficientStock(source, pollutant, have, kg);
    }

    function _openOffer(uint256 id) private view returns (Offer storage o) {
        if (id == 0 || id > _offers.length) revert ReserveUnknownOffer(id);
        o = _offers[id - 1];
        if (!o.open) revert ReserveOfferClosed(id);
    }
}
