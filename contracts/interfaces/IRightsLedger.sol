// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Op, Origin, TradeMode, Reason} from "./Types.sol";
import {IPolicyBook} from "./IPolicyBook.sol";

/// @title IRightsLedger
/// @notice The register of discharge rights: balances per account and pollutant split by origin
/// (paid / free / waived) and state (available / pledged / leased), permits, regional caps and
/// tradable certifications. Every balance change passes through one internal function that asks
/// the rule engine first (SPEC §4–6). Holders cannot move rights themselves (R-13): the exchange
/// and the registry's modules do, each through its own entry point.
interface IRightsLedger {
    /// @notice Rights owned by an account for one pollutant (one storage slot).
    struct Balance {
        uint64 paid; // 有偿取得, including the pledged part
        uint64 free; // 无偿 (legacy allocation)
        uint64 waived; // 减免 (R-12)
        uint64 pledged; // part of `paid` held as collateral (R-07)
    }

    /// @notice Permit quantity, leases and certification for one account and pollutant (one slot).
    struct Position {
        uint64 permitted; // 排污许可量 under the account's permit (R-06, R-22)
        uint64 leasedIn; // rights borrowed for the lessee's own surrender (R-35)
        uint64 leasedOut; // paid rights lent out, owned but not held (R-35)
        uint64 tradable; // quantity certified tradable by the regulator (R-39)
    }

    /// @notice An account's discharge permit (one per account).
    struct Permit {
        uint64 validFrom;
        uint64 validTo; // exclusive
        uint32 version; // 0 = never issued; increases on issue, change and renewal
    }

    /// @notice One line of a batch allocation (`allocateBatch`).
    struct Allocation {
        address holder;
        uint64 kg;
    }

    struct Cap {
        uint64 cap;
        uint64 allocated;
        bool set;
    }

    /// @notice A proposed balance change, as the rule engine sees it.
    /// @notice What the rules read of a seller's holding in one call (the `PolicyBook`).
    struct HolderState {
        Balance balance;
        Position position;
        bool permitValid;
    }

    struct Movement {
        Op op;
        address from;
        address to;
        uint32 pollutant;
        uint64 kg;
        uint256 priceFen; // total price of a trade, in fen (R-15)
        TradeMode mode;
        uint16 region; // for allocations: the region whose cap is charged (R-10)
        Origin origin; // the origin moved (trades and pledges move only Paid, R-05)
        bool leased; // the movement concerns leased-in rights (surrender by a lessee, lease return)
    }

    event RightsAllocated(
        address indexed holder, uint32 indexed pollutant, Origin origin, uint64 kg, uint16 region, address indexed by
    );
    event RightsTraded(
        address indexed from, address indexed to, uint32 indexed pollutant, uint64 kg, uint256 priceFen, TradeMode mode
    );
    event RightsSurrendered(address indexed holder, uint32 indexed pollutant, Origin origin, bool leased, uint64 kg);
    event RightsPledged(address indexed holder, uint32 indexed pollutant, uint64 kg);
    event RightsReleased(address indexed holder, uint32 indexed pollutant, uint64 kg);
    event RightsEnforced(
        address indexed from, address indexed to, uint32 indexed pollutant, uint64 kg, uint256 priceFen
    );
    event RightsReclaimed(
        address indexed from, address indexed to, uint32 indexed pollutant, Origin origin, uint64 kg
    );
    event CapSet(uint16 indexed region, uint32 indexed pollutant, uint64 cap, address indexed by);
    event PermitIssued(address indexed holder, uint32 version, uint64 validFrom, uint64 validTo, address indexed by);
    event PermittedQuantitySet(address indexed holder, uint32 indexed pollutant, uint32 version, uint64 kg);
    event PermitRevoked(address indexed holder, uint32 version, address indexed by);
    event TradableCertified(address indexed holder, uint32 indexed pollutant, uint64 kg, address indexed by);
    event OwedChanged(address indexed holder, uint32 indexed pollutant, uint64 owed, address indexed by);
    event RightsLeased(address indexed lessor, address indexed lessee, uint32 indexed pollutant, uint64 kg);
    event RightsLeaseReturned(
        address indexed lessor, address indexed lessee, uint32 indexed pollutant, uint64 kg, uint64 returned
    );
    event RightsSucceeded(address indexed from, address indexed to, uint32 indexed pollutant, Origin origin, uint64 kg);
    event ObligationsSucceeded(
        address indexed from, address indexed to, uint32 indexed pollutant, uint64 permitted, uint64 tradable, uint64 owed
    );

    // one error per Reason (see Types.sol), with the offending values
    error LedgerZeroQuantity();
    error LedgerUnknownPollutant(uint32 pollutant);
    error LedgerNotRegistered(address account);
    error LedgerAccountClosed(address account);
    error LedgerInsufficientRights(address account, uint32 pollutant, uint256 needed, uint256 available);
    error LedgerBelowPermit(address account, uint32 pollutant, uint256 remaining, uint256 permitted);
    error LedgerCapExceeded(uint16 region, uint32 pollutant, uint256 requested, uint256 remaining);
    error LedgerNoCap(uint16 region, uint32 pollutant);
    error LedgerPolicyRestricted(address account);
    error LedgerPriceBelowBenchmark(uint32 pollutant, uint256 priceFen, uint256 minimumFen);
    error LedgerNoBenchmark(uint32 pollutant, uint16 region);
    error LedgerBlacklisted(address account, uint256 restrictions);
    error LedgerNonAttainmentDestination(address account, uint32 pollutant);
    error LedgerThermalPowerAirPollutant(address from, address to, uint32 pollutant);
    error LedgerIndustryLivestock(address from, address to);
    error LedgerGreenChannelLimit(address account, uint256 intakeKg, uint256 requestedKg);
    error LedgerSectorNotEnabled(address account, uint256 sector);
    error LedgerSellerNotQualified(address account);
    error LedgerNotCertifiedTradable(address account, uint32 pollutant, uint256 requested, uint256 certified);
    error LedgerSameAccount(address account);
    error LedgerNotReserve(address account);
    /// @notice The city's policy has no such instrument now (`rule`: the `Switch` that is off).
    error LedgerNotInPolicy(uint8 rule);
    /// @notice A rule module refuses the movement (its own named error says more: `enforce`).
    error LedgerModuleRefused(address module, uint256 value);
    // procedure errors
    error LedgerNotAuthority(address actor, address holder);
    error LedgerCapBelowAllocated(uint16 region, uint32 pollutant, uint256 cap, uint256 allocated);
    error LedgerInvalidOrigin(Origin origin);
    error LedgerInvalidMode(TradeMode mode);
    error LedgerObligationTooLarge(address holder, uint32 pollutant);

    // ---- regulator ----
    function setCap(uint16 region, uint32 pollutant, uint64 capKg) external;
    function certifyTradable(address holder, uint32 pollutant, uint64 kg) external;
    function allocateFree(address holder, uint32 pollutant, uint64 kg) external;

    // ---- exchange (R-13: the only way rights change holder) ----
    function allocate(address holder, uint32 pollutant, Origin origin, uint64 kg) external;
    /// @notice `allocate` for many holders of one pollutant and origin in one transaction: each
    /// line under every rule of `allocate`, with its own `RightsAllocated`; all or nothing.
    function allocateBatch(uint32 pollutant, Origin origin, Allocation[] calldata lines) external;
    function trade(address from, address to, uint32 pollutant, uint64 kg, uint256 priceFen, TradeMode mode)
        external;

    // ---- registry modules ----
    /// @notice PermitRegistry records a permit's validity (a new version); `actor` decided it.
    function recordPermit(address holder, uint64 validFrom, uint64 validTo, address actor) external;
    /// @notice PermitRegistry ends a permit now (closure, revocation).
    function endPermit(address holder, address actor) external;
    /// @notice PermitRegistry records the permitted quantity of a pollutant under the current version.
    function recordPermitted(address holder, uint32 pollutant, uint64 kg) external;
    function pledgeRights(address holder, uint32 pollutant, uint64 kg) external;
    function releaseRights(address holder, uint32 pollutant, uint64 kg) external;
    function transferPledged(address from, address to, uint32 pollutant, uint64 kg, uint256 priceFen) external;
    /// @notice R-24: burn exactly `kg` of what the holder can use, in the surrender order.
    function surrender(address holder, uint32 pollutant, uint64 kg) external;
    function setOwed(address holder, uint32 pollutant, uint64 kg) external;
    /// @notice R-27: rights created for a centralised treatment facility go to the reserve,
    /// charged to the cap of `region` (the facility's district).
    function create(address reserve, uint32 pollutant, uint64 kg, uint16 region) external;
    /// @notice R-27, R-33: unencumbered rights of `origin` taken into the reserve.
    function reclaim(address from, address reserve, uint32 pollutant, Origin origin, uint64 kg) external;
    /// @notice R-35: paid rights lent for a term; they count for the lessee's surrender.
    function lease(address lessor, address lessee, uint32 pollutant, uint64 kg) external;
    /// @notice R-35: the lease ends; what the lessee has left of it returns (at most `kg`).
    function endLease(address lessor, address lessee, uint32 pollutant, uint64 kg) external returns (uint64 returned);
    /// @notice R-30, R-31: rights of `from` by origin (`kgByOrigin` indexed by Origin; paid rights
    /// carry their pledges with them, pledged first) and the given obligations pass to `to`.
    function succeed(
        address from,
        address to,
        uint32 pollutant,
        uint64[3] calldata kgByOrigin,
        uint64 permitted,
        uint64 tradable,
        uint64 owedKg
    ) external;

    // ---- views ----
    /// @notice The city's policy book: its figures and switches in force, and the rule engine.
    /// @return the policy book
    function policy() external view returns (IPolicyBook);
    function balanceOf(address holder, uint32 pollutant) external view returns (Balance memory);
    function positionOf(address holder, uint32 pollutant) external view returns (Position memory);
    function permitOf(address holder) external view returns (Permit memory);
    function permitValid(address holder) external view returns (bool);
    function owed(address holder, uint32 pollutant) external view returns (uint64);
    /// @notice Whether the account owes a shortfall for any pollutant (R-25).
    function owesShortfall(address holder) external view returns (bool);
    /// @notice Rights the account owns and holds: paid + free + waived (pledged included).
    function holdings(address holder, uint32 pollutant) external view returns (uint64);
    /// @notice What a surrender can burn for the account now (R-24, R-07): its unpledged
    /// holdings and the rights leased in.
    function usable(address holder, uint32 pollutant) external view returns (uint64);
    function capOf(uint16 region, uint32 pollutant) external view returns (Cap memory);
    function totalSupply(uint32 pollutant) external view returns (uint256);
    function greenChannelIntake(address holder) external view returns (uint64);

    /// @notice Pre-check: the reason `m` would be refused (Reason.Ok if allowed), with the two
    /// values the refusal is about (e.g. available and needed). Never reverts.
    function check(Movement calldata m) external view returns (Reason reason, uint256 have, uint256 need);

    /// @notice `holder`'s balance and position in `pollutant` and whether its permit is valid now.
    function holderState(address holder, uint32 pollutant) external view returns (HolderState memory);
}
