// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Origin} from "./Types.sol";

/// @title IGovernmentReserve
/// @notice The city government's reserve of discharge rights (储备, SPEC §8): an account in the
/// ledger whose every inflow is tagged by its source and every outflow by its use, so that the
/// stock by source always equals inflows minus outflows (R-27, R-28, R-29). Money paid out comes
/// from the reserve fund (the settlement money this contract holds); revenue goes to the treasury.
interface IGovernmentReserve {
    /// @notice Where reserve rights came from (R-27).
    enum Source {
        Reclaimed, // 回收: closed, banned or dissolved units
        BoughtBack, // 回购: bought back from the market at the benchmark (R-26)
        Facility, // 集中式污染治理设施: created by centralised sewage or garbage facilities
        Idle, // seed 003: projects not started within 5 years
        Fraud // R-33: reclaimed free of charge from a unit that obtained rights by deception
    }

    /// @notice What reserve rights went to (R-28).
    enum Use {
        Market, // released to the market by auction or negotiated transfer
        PriorityProject, // strategic emerging industries, science demonstrations, livelihood projects
        GreenChannel // R-21: projects needing less than 1 t in total
    }

    struct Offer {
        address buyer;
        uint32 pollutant;
        uint64 kg;
        Source source;
        Use use;
        bool open;
        uint256 priceFen;
    }

    event ReserveInflow(
        Source indexed source, address indexed from, uint32 indexed pollutant, Origin origin, uint64 kg, uint256 paidFen, string reason
    );
    event ReserveOutflow(
        uint256 indexed offer, Use indexed use, address indexed to, uint32 pollutant, Source source, uint64 kg, uint256 priceFen
    );
    event ReleaseOffered(uint256 indexed id, address indexed buyer, uint32 pollutant, uint64 kg, uint256 priceFen, Use use);
    event ReleaseWithdrawn(uint256 indexed id);
    event ReleaseReason(uint256 indexed id, string reason);

    /// The price the reserve pays is below what the selling unit accepted.
    error ReservePriceBelowAccepted(uint256 priceFen, uint256 minimumFen);
    error ReserveBuyBackClosed(address unit, uint32 pollutant, uint32 period);
    error ReserveInsufficientStock(Source source, uint32 pollutant, uint64 stock, uint64 needed);
    error ReserveInsufficientFund(uint256 balance, uint256 needed);
    error ReserveNotFacility(address facility);
    error ReserveUnknownOffer(uint256 id);
    error ReserveOfferClosed(uint256 id);
    error ReserveNotBuyer(uint256 id, address caller);
    error ReserveZeroQuantity();
    error ReserveInvalidSource(Source source);
    error ReserveOfferMismatch(uint256 id);
    /// Release proceeds must reach the treasury (R-29): a deployment without one is refused.
    error ReserveZeroAddress();

    /// @notice R-27: the regulator council (its time lock) reclaims a unit's rights into the
    /// reserve — free and waived ones without pay, paid ones bought back from the reserve fund at
    /// the settled benchmark of the unit's district (seed 003 §2(二); `IPriceBook.settledQuote`).
    /// `source` is Reclaimed or Idle.
    function reclaim(address unit, uint32 pollutant, Origin origin, uint64 kg, Source source, string calldata reason)
        external;

    /// @notice R-33: every unencumbered right of a unit that obtained rights by deception, free of charge.
    function reclaimForFraud(address unit, string calldata reason) external;

    /// @notice R-26: the unit sells paid rights of a surrendered period's surplus back, within the
    /// period's window, at the settled benchmark of its own district (`IPriceBook.settledQuote`);
    /// no more than the period's surplus (`IComplianceManager.useSurplus`).
    function buyBack(uint32 pollutant, uint32 period, uint64 kg) external;

    /// @notice R-27 (the regulator council's time lock): rights created by a registered centralised
    /// sewage or garbage facility enter the reserve within its district's cap (R-10), paid to the
    /// facility from the reserve fund at its district's settled benchmark.
    function acquireFromFacility(address facility, uint32 pollutant, uint64 kg) external;

    /// @notice R-28: offer reserve rights to a buyer by negotiated transfer, for a priority project or
    /// through the green channel (R-21); the buyer accepts and pays; proceeds go to the treasury (R-29).
    /// An offer whose acceptance the ledger would refuse today — the green channel's 1 t (R-21), the
    /// price floor (R-15), the buyer's eligibility (R-11, R-17, R-38) — is refused at once with the
    /// ledger's named error, the one the acceptance would give.
    function offerRelease(
        address buyer,
        uint32 pollutant,
        uint64 kg,
        uint256 priceFen,
        Source source,
        Use use,
        string calldata reason
    ) external returns (uint256 id);

    function withdrawOffer(uint256 id) external;
    function acceptRelease(uint256 id) external;

    /// @notice R-26 signed by the unit (EIP-712 domain `GovernmentReserve`, version 2; docs/signing.md),
    /// with the least total price it accepts, so a relayer cannot sell at a lower benchmark:
    /// `BuyBack(address unit,uint32 pollutant,uint32 period,uint64 kg,uint256 minPriceFen,uint256 nonce,uint256 deadline)`;
    /// a lower price is refused (`ReservePriceBelowAccepted`).
    function buyBackBySig(
        address unit,
        uint32 pollutant,
        uint32 period,
        uint64 kg,
        uint256 minPriceFen,
        uint256 deadline,
        bytes calldata signature
    ) external;

    /// @notice R-28 signed by the buyer, with the offer's terms so its wallet shows them:
    /// `AcceptRelease(address buyer,uint256 id,uint32 pollutant,uint64 kg,uint256 priceFen,uint256 nonce,uint256 deadline)`;
    /// other terms are refused (`ReserveOfferMismatch`). The price is drawn from the buyer's
    /// allowance to this contract (`approve`, or an ERC-2612 `permit` signed with it).
    function acceptReleaseBySig(
        address buyer,
        uint256 id,
        uint32 pollutant,
        uint64 kg,
        uint256 priceFen,
        uint256 deadline,
        bytes calldata signature
    ) external;

    function stock(Source source, uint32 pollutant) external view returns (uint64);
    function inflow(Source source, uint32 pollutant) external view returns (uint64);
    function outflow(Source source, uint32 pollutant) external view returns (uint64);
    function released(Use use, uint32 pollutant) external view returns (uint64);
    function offer(uint256 id) external view returns (Offer memory);
}
