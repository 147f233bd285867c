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
/// Quantities are integer kg, prices integer fen, times unix seconds (SPEC §2). The rule engine is
/// the city's `PolicyBook`: a rule its policy switches off (`Switch`) refuses nothing, and the
/// rule modules the council attached are asked after the built-in rules.
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

    /// @notice A region's cap of one pollutant (总量控制, R-10): `cap` and what was `allocated`
    /// under it, kg; `set` once the regulator set one (no allocation is charged to a region without).
    struct Cap {
        uint64 cap;
        uint64 allocated;
        bool set;
    }

    /// @notice What the rules read of a seller's holding in one call (the `PolicyBook`).
    struct HolderState {
        Balance balance;
        Position position;
        bool permitValid;
    }

    /// @notice A proposed balance change, as the rule engine sees it.
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

    /// @notice Rights were created for `holder`, in force from this block (R-04): a primary sale
    /// (R-08, R-09) or a fee-waived allocation (R-12) through the exchange, a legacy free allocation
    /// by a regulator (R-05), or rights created in the reserve for a treatment facility (R-27);
    /// each charged to `region`'s cap (R-10).
    /// @param holder the account credited
    /// @param pollutant the pollutant's id in the account registry
    /// @param origin the origin credited (paid, free or waived)
    /// @param kg the quantity, kg
    /// @param region the district's code whose cap was charged
    /// @param by who allocated: a market contract of the exchange (`allocate`), the regulator
    /// (`allocateFree`) or the government reserve (`create`)
    event RightsAllocated(
        address indexed holder, uint32 indexed pollutant, Origin origin, uint64 kg, uint16 region, address indexed by
    );
    /// @notice `kg` of `from`'s paid rights passed to `to` through the exchange (R-13) for
    /// `priceFen`, concluded in `mode` (R-14, R-21, R-26, R-28).
    /// @param from the seller
    /// @param to the buyer
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity, kg
    /// @param priceFen the total price, fen (R-15)
    /// @param mode how the trade was concluded
    event RightsTraded(
        address indexed from, address indexed to, uint32 indexed pollutant, uint64 kg, uint256 priceFen, TradeMode mode
    );
    /// @notice `kg` of `holder`'s rights of `origin` were surrendered and burned (注销, R-24); a
    /// surrender emits one for each part it burns, in the surrender order.
    /// @param holder the surrendering account
    /// @param pollutant the pollutant's id in the account registry
    /// @param origin the origin burned (rights leased in are the lessor's paid rights)
    /// @param leased true when the part burned was leased in (R-35)
    /// @param kg the quantity burned, kg
    event RightsSurrendered(address indexed holder, uint32 indexed pollutant, Origin origin, bool leased, uint64 kg);
    /// @notice `kg` of `holder`'s paid rights became pledged (R-34): still its own, but not sold,
    /// leased, surrendered or pledged again (R-07) until released or sold on the bank's enforcement.
    /// @param holder the pledgor
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity pledged, kg
    event RightsPledged(address indexed holder, uint32 indexed pollutant, uint64 kg);
    /// @notice `kg` of `holder`'s pledged rights were released (R-34): available again.
    /// @param holder the pledgor
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity released, kg
    event RightsReleased(address indexed holder, uint32 indexed pollutant, uint64 kg);
    /// @notice `kg` of `from`'s pledged rights were sold to `to` for `priceFen` on its bank's
    /// enforcement (R-34).
    /// @param from the pledgor
    /// @param to the buyer
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity, kg
    /// @param priceFen the sale's price, fen
    event RightsEnforced(
        address indexed from, address indexed to, uint32 indexed pollutant, uint64 kg, uint256 priceFen
    );
    /// @notice `kg` of `from`'s unencumbered rights of `origin` were taken into the government
    /// reserve `to` (R-27, R-33), which holds them as paid rights.
    /// @param from the account the rights were taken from
    /// @param to the government reserve's account
    /// @param pollutant the pollutant's id in the account registry
    /// @param origin the origin taken from `from`
    /// @param kg the quantity, kg
    event RightsReclaimed(
        address indexed from, address indexed to, uint32 indexed pollutant, Origin origin, uint64 kg
    );
    /// @notice The cap of `pollutant` in `region` is now `cap` (R-10).
    /// @param region the district's code
    /// @param pollutant the pollutant's id in the account registry
    /// @param cap the cap, kg
    /// @param by who set it (REGULATOR_ROLE: in production the regulator council's time lock)
    event CapSet(uint16 indexed region, uint32 indexed pollutant, uint64 cap, address indexed by);
    /// @notice A version of `holder`'s permit was recorded (R-22): issued, changed or renewed,
    /// valid from `validFrom` until `validTo` (exclusive).
    /// @param holder the permit holder's account
    /// @param version the permit's version (1, 2, …)
    /// @param validFrom the permit's first second, unix seconds
    /// @param validTo the permit's end (exclusive), unix seconds
    /// @param by the regulator who decided it
    event PermitIssued(address indexed holder, uint32 version, uint64 validFrom, uint64 validTo, address indexed by);
    /// @notice The permitted quantity of `pollutant` under version `version` of `holder`'s permit
    /// (R-06, R-22).
    /// @param holder the permit holder's account
    /// @param pollutant the pollutant's id in the account registry
    /// @param version the permit's version
    /// @param kg the permitted quantity, kg
    event PermittedQuantitySet(address indexed holder, uint32 indexed pollutant, uint32 version, uint64 kg);
    /// @notice `holder`'s permit ended now (closure, revocation): it is no longer valid.
    /// @param holder the permit holder's account
    /// @param version the permit's version that ended
    /// @param by the regulator who decided it
    event PermitRevoked(address indexed holder, uint32 version, address indexed by);
    /// @notice A regulator recognised `kg` of `holder`'s rights of `pollutant` as tradable (R-39),
    /// replacing the previous figure.
    /// @param holder the account
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity recognised, kg
    /// @param by the regulator (the city's, or the district regulator of the holder's district)
    event TradableCertified(address indexed holder, uint32 indexed pollutant, uint64 kg, address indexed by);
    /// @notice The shortfall `holder` owes for `pollutant` is now `owed` (R-25): recorded when a
    /// period closes short, reduced as it is settled, passed on in a merger or split (R-30, R-31).
    /// @param holder the account
    /// @param pollutant the pollutant's id in the account registry
    /// @param owed the shortfall owed now, kg
    /// @param by the contract that changed it (the compliance manager, or the unit lifecycle)
    event OwedChanged(address indexed holder, uint32 indexed pollutant, uint64 owed, address indexed by);
    /// @notice `lessor` lent `kg` of its paid rights to `lessee` (R-35): still the lessor's, they
    /// count for the lessee's surrender until the lease ends.
    /// @param lessor the lending unit
    /// @param lessee the borrowing unit
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity, kg
    event RightsLeased(address indexed lessor, address indexed lessee, uint32 indexed pollutant, uint64 kg);
    /// @notice A lease of `kg` ended (R-35): `returned` went back to `lessor`'s paid rights, the
    /// lessee surrendered the rest.
    /// @param lessor the lending unit
    /// @param lessee the borrowing unit
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity lent, kg
    /// @param returned what returned to the lessor, kg
    event RightsLeaseReturned(
        address indexed lessor, address indexed lessee, uint32 indexed pollutant, uint64 kg, uint64 returned
    );
    /// @notice `kg` of `from`'s rights of `origin` passed to `to` in a merger or split (R-30,
    /// R-31); paid rights carry their pledges, pledged first.
    /// @param from the merged or split unit
    /// @param to the successor
    /// @param pollutant the pollutant's id in the account registry
    /// @param origin the origin passed on
    /// @param kg the quantity, kg
    event RightsSucceeded(address indexed from, address indexed to, uint32 indexed pollutant, Origin origin, uint64 kg);
    /// @notice `from`'s obligations in `pollutant` passed to `to` in a merger or split (R-30, R-31).
    /// @param from the merged or split unit
    /// @param to the successor
    /// @param pollutant the pollutant's id in the account registry
    /// @param permitted the permitted quantity passed on, kg
    /// @param tradable the quantity recognised as tradable passed on, kg (R-39)
    /// @param owed the shortfall owed passed on, kg (R-25)
    event ObligationsSucceeded(
        address indexed from, address indexed to, uint32 indexed pollutant, uint64 permitted, uint64 tradable, uint64 owed
    );

    // one error per Reason (see Types.sol), with the offending values
    /// @notice A movement of 0 kg.
    error LedgerZeroQuantity();
    /// @notice The account registry has no such pollutant (R-01).
    /// @param pollutant the pollutant's id asked
    error LedgerUnknownPollutant(uint32 pollutant);
    /// @notice The account is not registered (R-02).
    /// @param account the account
    error LedgerNotRegistered(address account);
    /// @notice The account is closed (R-32): no movement involves it any more.
    /// @param account the account
    error LedgerAccountClosed(address account);
    /// @notice Not enough of the rights the movement takes (R-05, R-07, R-24): unpledged paid ones
    /// for a sale, a pledge or a lease; usable ones for a surrender (`usable`); unpledged ones of the
    /// origin for a reclaim; pledged ones for a release or an enforcement sale; lent-out ones for a
    /// lease's end; ones of the origin, pledged included, for a succession.
    /// @param account the account the rights are taken from
    /// @param pollutant the pollutant's id in the account registry
    /// @param needed the quantity asked, kg
    /// @param available what there is of them, kg
    error LedgerInsufficientRights(address account, uint32 pollutant, uint256 needed, uint256 available);
    /// @notice The movement would leave the account's unpledged holdings below the permitted
    /// quantity of its valid permit (R-06): only the excess is sold, leased or pledged.
    /// @param account the permit holder's account
    /// @param pollutant the pollutant's id in the account registry
    /// @param remaining what would remain, kg
    /// @param permitted the permitted quantity, kg
    error LedgerBelowPermit(address account, uint32 pollutant, uint256 remaining, uint256 permitted);
    /// @notice The allocation exceeds what is left under the region's cap (R-10).
    /// @param region the district's code
    /// @param pollutant the pollutant's id in the account registry
    /// @param requested the quantity asked, kg
    /// @param remaining what is left under the cap, kg
    error LedgerCapExceeded(uint16 region, uint32 pollutant, uint256 requested, uint256 remaining);
    /// @notice No cap is set for the pollutant in the region, so nothing is allocated there (R-10).
    /// @param region the district's code
    /// @param pollutant the pollutant's id in the account registry
    error LedgerNoCap(uint16 region, uint32 pollutant);
    /// @notice The unit fails industrial policy (R-11): it gets no rights, by allocation, purchase
    /// or lease.
    /// @param account the unit's account
    error LedgerPolicyRestricted(address account);
    /// @notice The price is below the benchmark value of the quantity (R-15): kg × the benchmark
    /// (fen per tonne) of the buyer's district, or the city-wide one, ÷ 1000, rounded up.
    /// @param pollutant the pollutant's id in the account registry
    /// @param priceFen the price, fen
    /// @param minimumFen the least price, fen
    error LedgerPriceBelowBenchmark(uint32 pollutant, uint256 priceFen, uint256 minimumFen);
    /// @notice No benchmark is in force for the pollutant in the buyer's district nor city-wide,
    /// so no price clears (R-15).
    /// @param pollutant the pollutant's id in the account registry
    /// @param region the buyer's district's code
    error LedgerNoBenchmark(uint32 pollutant, uint16 region);
    /// @notice The account is blacklisted (R-17: 环保信用不良, 挂牌督办, 限期治理, 区域限批): it
    /// neither sells, buys nor leases (an enforcement sale of its pledged rights proceeds, R-34).
    /// @param account the account
    /// @param restrictions its blacklist reasons (a bitmask of RESTRICTION_* bits)
    error LedgerBlacklisted(address account, uint256 restrictions);
    /// @notice No rights of the pollutant go into a district or basin that fails its standard for
    /// it from outside that district or basin (R-18; the government reserve excepted).
    /// @param account the receiving account
    /// @param pollutant the pollutant's id in the account registry
    error LedgerNonAttainmentDestination(address account, uint32 pollutant);
    /// @notice Thermal power plants trade air pollutants only among themselves (R-19; the
    /// government reserve excepted).
    /// @param from the giving account
    /// @param to the receiving account
    /// @param pollutant the pollutant's id in the account registry
    error LedgerThermalPowerAirPollutant(address from, address to, uint32 pollutant);
    /// @notice Industry (thermal power included) and livestock do not trade with each other (R-20;
    /// the government reserve is neither).
    /// @param from the giving account
    /// @param to the receiving account
    error LedgerIndustryLivestock(address from, address to);
    /// @notice The green channel serves a project only while its intake stays below the city's
    /// limit (R-21; `Figure.GreenChannelLimitKg` of the policy book).
    /// @param account the buying project's account
    /// @param intakeKg what it took through the green channel so far, kg
    /// @param requestedKg the quantity asked, kg
    error LedgerGreenChannelLimit(address account, uint256 intakeKg, uint256 requestedKg);
    /// @notice The account's sector is not yet enabled for paid use and trading (R-38).
    /// @param account the account
    /// @param sector its sector (`Sector`'s number)
    error LedgerSectorNotEnabled(address account, uint256 sector);
    /// @notice The seller has not passed the party review (交易主体资格审查, R-39).
    /// @param account the seller
    error LedgerSellerNotQualified(address account);
    /// @notice The sale exceeds the quantity recognised as tradable (可交易排污权认定, R-39).
    /// @param account the seller
    /// @param pollutant the pollutant's id in the account registry
    /// @param requested the quantity asked, kg
    /// @param certified the quantity recognised, kg
    error LedgerNotCertifiedTradable(address account, uint32 pollutant, uint256 requested, uint256 certified);
    /// @notice A movement between an account and itself.
    /// @param account the account
    error LedgerSameAccount(address account);
    /// @notice The government reserve must be the party: a green-channel or reserve-release sale
    /// comes from it (R-21, R-28), a buy-back (R-26) and a reclaim (R-27) go to it.
    /// @param account the party that is not the reserve
    error LedgerNotReserve(address account);
    /// @notice The city's policy has no such instrument now (`rule`: the `Switch` that is off).
    /// @param rule the switch's number (`Switch`)
    error LedgerNotInPolicy(uint8 rule);
    /// @notice A rule module the council attached refuses the movement: the pre-check's answer at a
    /// first step (a listing, a lot, an offer); the movement itself reverts with the module's own
    /// named error (`IPolicyBook.enforce`).
    /// @param module the rule module's contract
    /// @param value the module's figure about the refusal
    error LedgerModuleRefused(address module, uint256 value);
    // procedure errors
    /// @notice Only the city regulator, or the district regulator of the holder's district, acts
    /// for the holder here.
    /// @param actor who asked
    /// @param holder the account acted on
    error LedgerNotAuthority(address actor, address holder);
    /// @notice A cap below what is allocated under it already (R-10).
    /// @param region the district's code
    /// @param pollutant the pollutant's id in the account registry
    /// @param cap the cap asked, kg
    /// @param allocated what is allocated under it, kg
    error LedgerCapBelowAllocated(uint16 region, uint32 pollutant, uint256 cap, uint256 allocated);
    /// @notice The exchange allocates paid or waived rights only; free rights are a regulator's
    /// (`allocateFree`).
    /// @param origin the origin asked
    error LedgerInvalidOrigin(Origin origin);
    /// @notice A trade needs a mode, and not `Enforcement` (enforcement sales are `transferPledged`).
    /// @param mode the mode asked
    error LedgerInvalidMode(TradeMode mode);
    /// @notice A succession passes on more permitted quantity, tradable recognition or owed
    /// shortfall than the unit has (R-30, R-31).
    /// @param holder the merged or split unit
    /// @param pollutant the pollutant's id in the account registry
    error LedgerObligationTooLarge(address holder, uint32 pollutant);

    // ---- regulator ----
    /// @notice Set the cap of `pollutant` in `region` (总量控制, R-10): allocations charged to the
    /// region never exceed it. REGULATOR_ROLE (in production the regulator council's time lock).
    /// Refused below what is allocated already (`LedgerCapBelowAllocated`) and for an unknown
    /// pollutant (`LedgerUnknownPollutant`). Emits `CapSet`.
    /// @param region the district's code
    /// @param pollutant the pollutant's id in the account registry
    /// @param capKg the cap, kg
    function setCap(uint16 region, uint32 pollutant, uint64 capKg) external;
    /// @notice A regulator with authority over `holder` (the city regulator, or the district
    /// regulator of its district) recognises `kg` of its rights as tradable (R-39), replacing the
    /// previous figure; where the city's policy requires recognition a unit sells at most this,
    /// and every `trade` but a buy-back (R-26) uses it up. Refused to anyone else
    /// (`LedgerNotAuthority`), for an unknown pollutant and an account not registered or closed.
    /// Emits `TradableCertified`.
    /// @param holder the account
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity recognised, kg (0 withdraws the recognition)
    function certifyTradable(address holder, uint32 pollutant, uint64 kg) external;
    /// @notice A regulator with authority over `holder` (as for `certifyTradable`) allocates
    /// legacy free rights (无偿, R-05: only for the holder's own surrender), charged to the cap of
    /// its district (R-10). Refused to anyone else (`LedgerNotAuthority`) and, with the
    /// rule's named error, for 0 kg, an unknown pollutant (R-01), an account not registered (R-02)
    /// or closed (R-32), a unit failing industrial policy (R-11), no cap or not enough left under
    /// it (R-10), or by an attached module. Emits `RightsAllocated`.
    /// @param holder the account credited
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity, kg
    function allocateFree(address holder, uint32 pollutant, uint64 kg) external;

    // ---- exchange (R-13: the only way rights change holder) ----
    /// @notice The exchange's primary market (EXCHANGE_ROLE) credits rights bought at the
    /// benchmark or at auction (R-08, R-09) as paid, or granted a fee waiver (R-12) as waived,
    /// charged to the cap of the holder's district (R-10). Refused for free rights
    /// (`LedgerInvalidOrigin`) and, with the rule's named error, for what refuses an
    /// `allocateFree` (R-01, R-02, R-10, R-11, R-32, a module) and a sector not yet enabled (R-38).
    /// Emits `RightsAllocated`.
    /// @param holder the account credited
    /// @param pollutant the pollutant's id in the account registry
    /// @param origin `Origin.Paid` or `Origin.Waived`
    /// @param kg the quantity, kg
    function allocate(address holder, uint32 pollutant, Origin origin, uint64 kg) external;
    /// @notice `allocate` for many holders of one pollutant and origin in one transaction: each
    /// line under every rule of `allocate`, with its own `RightsAllocated`; all or nothing.
    /// @param pollutant the pollutant's id in the account registry
    /// @param origin `Origin.Paid` or `Origin.Waived`
    /// @param lines the holders and their quantities, kg
    function allocateBatch(uint32 pollutant, Origin origin, Allocation[] calldata lines) external;
    /// @notice The exchange (EXCHANGE_ROLE: its market contracts and the government reserve) moves
    /// `kg` of `from`'s paid rights to `to` for `priceFen` (R-13); a sale other than a buy-back
    /// (R-26) uses up `from`'s tradable recognition (R-39), a green-channel sale adds to the
    /// buyer's intake (R-21). Refused, with each rule's named error: 0 kg, an unknown pollutant,
    /// the same account, either account not registered or closed (R-01, R-02, R-32); a blacklisted
    /// party (R-17), a buyer failing industrial policy (R-11), a sector not enabled (R-38); a
    /// green-channel or reserve-release sale not from the reserve, a buy-back not to it, an
    /// instrument the city's policy lacks, a green-channel purchase reaching the limit (R-21, R-26,
    /// R-28); the non-attainment and sector lines (R-18 – R-20); a price below the benchmark (R-15,
    /// not for a buy-back); rights not unpledged paid ones above the permit (R-05 – R-07); a seller
    /// not qualified or a quantity not recognised (R-39, not for a buy-back); an attached module.
    /// A mode of `None` or `Enforcement` is refused (`LedgerInvalidMode`). Emits `RightsTraded`.
    /// @param from the seller
    /// @param to the buyer
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity, kg
    /// @param priceFen the total price, fen
    /// @param mode how the trade was concluded
    function trade(address from, address to, uint32 pollutant, uint64 kg, uint256 priceFen, TradeMode mode)
        external;

    // ---- registry modules ----
    /// @notice PermitRegistry records a permit's validity (a new version); `actor` decided it.
    /// PERMIT_MANAGER_ROLE; the permit registry checks the permit (R-22, R-25). Emits
    /// `PermitIssued`.
    /// @param holder the permit holder's account
    /// @param validFrom the permit's first second, unix seconds
    /// @param validTo the permit's end (exclusive), unix seconds
    /// @param actor the regulator who decided it
    function recordPermit(address holder, uint64 validFrom, uint64 validTo, address actor) external;
    /// @notice PermitRegistry ends a permit now (closure, revocation).
    /// PERMIT_MANAGER_ROLE: its end becomes the block's time. Emits `PermitRevoked`.
    /// @param holder the permit holder's account
    /// @param actor the regulator who decided it
    function endPermit(address holder, address actor) external;
    /// @notice PermitRegistry records the permitted quantity of a pollutant under the current version.
    /// PERMIT_MANAGER_ROLE (R-06, R-22). Emits `PermittedQuantitySet`.
    /// @param holder the permit holder's account
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the permitted quantity, kg
    function recordPermitted(address holder, uint32 pollutant, uint64 kg) external;
    /// @notice The pledge book (PLEDGE_MANAGER_ROLE) pledges `kg` of `holder`'s paid rights (R-34).
    /// Refused, with each rule's named error, beyond its unpledged paid rights (R-05, R-07) or
    /// below the permitted quantity of its valid permit (R-06), for 0 kg, an unknown pollutant,
    /// an account not registered or closed, or by an attached module. Emits `RightsPledged`.
    /// @param holder the pledgor
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity, kg
    function pledgeRights(address holder, uint32 pollutant, uint64 kg) external;
    /// @notice The pledge book (PLEDGE_MANAGER_ROLE) releases `kg` of `holder`'s pledged rights
    /// (R-34): available again. Refused beyond what is pledged (`LedgerInsufficientRights`), for
    /// 0 kg, an unknown pollutant, an account not registered or closed, or by an attached module.
    /// Emits `RightsReleased`.
    /// @param holder the pledgor
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity, kg
    function releaseRights(address holder, uint32 pollutant, uint64 kg) external;
    /// @notice The pledge book (PLEDGE_MANAGER_ROLE) settles an enforcement sale (R-34): `kg` of
    /// `from`'s pledged rights go to `to` for `priceFen`. The bank's lien prevails over the
    /// pledgor's own eligibility; the buyer (R-11, R-17, R-38), the non-attainment and sector
    /// lines (R-18 – R-20) and the price (R-15) are checked as for a trade; at most what is
    /// pledged moves (`LedgerInsufficientRights`). Emits `RightsEnforced`.
    /// @param from the pledgor
    /// @param to the buyer
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity, kg
    /// @param priceFen the sale's price, fen
    function transferPledged(address from, address to, uint32 pollutant, uint64 kg, uint256 priceFen) external;
    /// @notice R-24: burn exactly `kg` of what the holder can use, in the surrender order.
    /// The compliance manager (COMPLIANCE_ROLE): rights leased in first, then waived, free and
    /// unpledged paid ones (pledged never, R-07), one `RightsSurrendered` per part; 0 kg burns
    /// nothing. Refused beyond `usable` (`LedgerInsufficientRights`) and, with the rule's named
    /// error, for an account not registered or closed or by an attached module.
    /// @param holder the surrendering account
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity, kg
    function surrender(address holder, uint32 pollutant, uint64 kg) external;
    /// @notice The compliance manager (COMPLIANCE_ROLE) records the shortfall `holder` owes for
    /// `pollutant` (R-25); no permit is issued, changed or renewed for it while any is owed.
    /// Emits `OwedChanged` when the figure changes.
    /// @param holder the account
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the shortfall owed, kg
    function setOwed(address holder, uint32 pollutant, uint64 kg) external;
    /// @notice R-27: rights created for a centralised treatment facility go to the reserve,
    /// charged to the cap of `region` (the facility's district).
    /// The government reserve (RESERVE_ROLE); refused as an allocation is (0 kg, R-01, R-02,
    /// R-10, R-11, R-32, an attached module). Emits `RightsAllocated` (paid rights).
    /// @param reserve the government reserve's account
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity, kg
    /// @param region the facility's district's code
    function create(address reserve, uint32 pollutant, uint64 kg, uint16 region) external;
    /// @notice R-27, R-33: unencumbered rights of `origin` taken into the reserve.
    /// The government reserve (RESERVE_ROLE); the reserve holds them as paid rights. Refused when
    /// `reserve` is not the reserve's account (`LedgerNotReserve`), beyond `from`'s unpledged
    /// rights of `origin` (`LedgerInsufficientRights`), for 0 kg, an unknown pollutant, the same
    /// account, either account not registered or closed, or by an attached module. Emits
    /// `RightsReclaimed`.
    /// @param from the account the rights are taken from
    /// @param reserve the government reserve's account
    /// @param pollutant the pollutant's id in the account registry
    /// @param origin the origin taken
    /// @param kg the quantity, kg
    function reclaim(address from, address reserve, uint32 pollutant, Origin origin, uint64 kg) external;
    /// @notice R-35: paid rights lent for a term; they count for the lessee's surrender.
    /// The lease book (LEASING_ROLE). Refused where the city's policy has no leasing
    /// (`LedgerNotInPolicy`), and as a trade is but for the price and the recognition: 0 kg, an
    /// unknown pollutant, the same account, either account not registered or closed; the lessor
    /// blacklisted (R-17), the lessee not eligible (R-11, R-17), a sector not enabled (R-38), the
    /// non-attainment and sector lines (R-18 – R-20), rights not unpledged paid ones above the
    /// permit (R-05 – R-07), an attached module. Emits `RightsLeased`.
    /// @param lessor the lending unit
    /// @param lessee the borrowing unit
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity, kg
    function lease(address lessor, address lessee, uint32 pollutant, uint64 kg) external;
    /// @notice R-35: the lease ends; what the lessee has left of it returns (at most `kg`).
    /// The lease book (LEASING_ROLE): the lessor's lent-out rights fall by `kg`, what returns goes
    /// to its paid rights. Refused beyond what the lessor has lent out (`LedgerInsufficientRights`),
    /// for 0 kg, an unknown pollutant, the same account, either account not registered or closed,
    /// or by an attached module. Emits `RightsLeaseReturned`.
    /// @param lessor the lending unit
    /// @param lessee the borrowing unit
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity lent, kg
    /// @return returned what returned to the lessor, kg (the lessee surrendered the rest)
    function endLease(address lessor, address lessee, uint32 pollutant, uint64 kg) external returns (uint64 returned);
    /// @notice R-30, R-31: rights of `from` by origin (`kgByOrigin` indexed by Origin; paid rights
    /// carry their pledges with them, pledged first) and the given obligations pass to `to`.
    /// The unit lifecycle (LIFECYCLE_ROLE). Refused beyond what `from` holds of an origin
    /// (`LedgerInsufficientRights`) or has of an obligation (`LedgerObligationTooLarge`) and, for
    /// each origin moved, as the rule engine refuses it (an unknown pollutant, the same account,
    /// either account not registered or closed, an attached module). Emits `RightsSucceeded` per
    /// origin moved, `OwedChanged` per shortfall changed and `ObligationsSucceeded`.
    /// @param from the merged or split unit
    /// @param to the successor
    /// @param pollutant the pollutant's id in the account registry
    /// @param kgByOrigin the quantity of each origin passed on, kg (paid, free, waived)
    /// @param permitted the permitted quantity passed on, kg
    /// @param tradable the quantity recognised as tradable passed on, kg (R-39)
    /// @param owedKg the shortfall owed passed on, kg (R-25)
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
    /// @notice `holder`'s rights of `pollutant` by origin, with the pledged part of the paid ones.
    /// @param holder the account
    /// @param pollutant the pollutant's id in the account registry
    /// @return the balance, kg
    function balanceOf(address holder, uint32 pollutant) external view returns (Balance memory);
    /// @notice `holder`'s permitted quantity, rights leased in and out, and quantity recognised as
    /// tradable in `pollutant`.
    /// @param holder the account
    /// @param pollutant the pollutant's id in the account registry
    /// @return the position, kg
    function positionOf(address holder, uint32 pollutant) external view returns (Position memory);
    /// @notice `holder`'s permit: its validity and version (0 = never issued).
    /// @param holder the account
    /// @return the permit
    function permitOf(address holder) external view returns (Permit memory);
    /// @notice Whether `holder`'s permit is valid now (issued, from `validFrom` until before `validTo`).
    /// @param holder the account
    /// @return true while valid
    function permitValid(address holder) external view returns (bool);
    /// @notice The shortfall `holder` owes for `pollutant` (R-25).
    /// @param holder the account
    /// @param pollutant the pollutant's id in the account registry
    /// @return the shortfall, kg
    function owed(address holder, uint32 pollutant) external view returns (uint64);
    /// @notice Whether the account owes a shortfall for any pollutant (R-25).
    /// @param holder the account
    /// @return true while any is owed
    function owesShortfall(address holder) external view returns (bool);
    /// @notice Rights the account owns and holds: paid + free + waived (pledged included).
    /// @param holder the account
    /// @param pollutant the pollutant's id in the account registry
    /// @return the holdings, kg
    function holdings(address holder, uint32 pollutant) external view returns (uint64);
    /// @notice What a surrender can burn for the account now (R-24, R-07): its unpledged
    /// holdings and the rights leased in.
    /// @param holder the account
    /// @param pollutant the pollutant's id in the account registry
    /// @return the usable rights, kg
    function usable(address holder, uint32 pollutant) external view returns (uint64);
    /// @notice What a surrender reads before it burns, in one call: `usable`, `holdings` and
    /// the rights leased in (burned first, R-24; no part of the holdings).
    /// @param holder the account
    /// @param pollutant the pollutant's id in the account registry
    /// @return usableKg what a surrender can burn now (`usable`)
    /// @return holdingsKg paid + free + waived (`holdings`)
    /// @return leasedInKg the rights leased in
    function surrenderable(address holder, uint32 pollutant)
        external
        view
        returns (uint64 usableKg, uint64 holdingsKg, uint64 leasedInKg);
    /// @notice The cap of `pollutant` in `region` and what was allocated under it (R-10).
    /// @param region the district's code
    /// @param pollutant the pollutant's id in the account registry
    /// @return the cap (`set` false: none set)
    function capOf(uint16 region, uint32 pollutant) external view returns (Cap memory);
    /// @notice The rights of `pollutant` in existence: every allocation and creation less what was
    /// surrendered (R-24).
    /// @param pollutant the pollutant's id in the account registry
    /// @return the supply, kg
    function totalSupply(uint32 pollutant) external view returns (uint256);
    /// @notice What `holder` took through the green channel so far (R-21); a green-channel
    /// purchase is refused unless this plus its quantity stays below the city's limit.
    /// @param holder the account
    /// @return the intake, kg
    function greenChannelIntake(address holder) external view returns (uint64);

    /// @notice Pre-check: the reason `m` would be refused (Reason.Ok if allowed), with the two
    /// values the refusal is about (e.g. available and needed). A refusal is answered, not
    /// reverted: the policy book's `check` (the built-in rules, then the attached modules).
    /// @param m the movement, as the ledger would apply it
    /// @return reason why it is refused (`Reason.Ok` if allowed)
    /// @return have the figure the refusal found
    /// @return need the figure the rule asks
    function check(Movement calldata m) external view returns (Reason reason, uint256 have, uint256 need);

    /// @notice `holder`'s balance and position in `pollutant` and whether its permit is valid now.
    /// @param holder the account
    /// @param pollutant the pollutant's id in the account registry
    /// @return the balance, the position and the permit's validity
    function holderState(address holder, uint32 pollutant) external view returns (HolderState memory);
}
