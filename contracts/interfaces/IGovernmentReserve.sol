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

    /// @notice Rights entered the reserve from `source` (R-27), paid `paidFen` from the reserve fund.
    /// @param source where the rights came from (R-27)
    /// @param from the unit or facility the rights came from
    /// @param pollutant the pollutant's id in the account registry
    /// @param origin the rights' origin (paid, free, waived)
    /// @param kg the quantity, kg
    /// @param paidFen what the reserve fund paid, fen
    /// @param reason the reason, in words (published)
    event ReserveInflow(
        Source indexed source, address indexed from, uint32 indexed pollutant, Origin origin, uint64 kg, uint256 paidFen, string reason
    );
    /// @notice Reserve rights went to `to` for `use` (R-28), paid `priceFen` to the treasury (R-29).
    /// @param offer the release offer's number
    /// @param use what the rights went to (R-28)
    /// @param to who received them
    /// @param pollutant the pollutant's id in the account registry
    /// @param source where the rights came from (R-27)
    /// @param kg the quantity, kg
    /// @param priceFen the price, fen
    event ReserveOutflow(
        uint256 indexed offer, Use indexed use, address indexed to, uint32 pollutant, Source source, uint64 kg, uint256 priceFen
    );
    /// @notice The reserve offered rights to a buyer by negotiated transfer (R-28).
    /// @param id the release offer's number
    /// @param buyer the buyer's account
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity, kg
    /// @param priceFen the price, fen
    /// @param use what the rights went to (R-28)
    event ReleaseOffered(uint256 indexed id, address indexed buyer, uint32 pollutant, uint64 kg, uint256 priceFen, Use use);
    /// @notice The reserve withdrew a release offer before the buyer accepted.
    /// @param id the release offer's number
    event ReleaseWithdrawn(uint256 indexed id);
    /// @notice Why the reserve offered the release (the project, the decision), for the public record (R-36).
    /// @param id the release offer's number
    /// @param reason the reason, in words (published)
    event ReleaseReason(uint256 indexed id, string reason);

    /// The price the reserve pays is below what the selling unit accepted.
    /// @param priceFen the price, fen
    /// @param minimumFen the least price accepted, fen
    error ReservePriceBelowAccepted(uint256 priceFen, uint256 minimumFen);
    /// @notice R-26: the period's surplus may no longer be sold back (not surrendered, window over or carried over).
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    error ReserveBuyBackClosed(address unit, uint32 pollutant, uint32 period);
    /// @notice The reserve holds less of the source and pollutant than the step needs.
    /// @param source where the rights came from (R-27)
    /// @param pollutant the pollutant's id in the account registry
    /// @param stock what the reserve holds, kg
    /// @param needed what the step needs
    error ReserveInsufficientStock(Source source, uint32 pollutant, uint64 stock, uint64 needed);
    /// @notice The reserve fund holds less money than the step pays.
    /// @param balance the reserve fund's money, fen
    /// @param needed what the step needs
    error ReserveInsufficientFund(uint256 balance, uint256 needed);
    /// @notice Only a registered centralised treatment facility's reductions are acquired (R-27).
    /// @param facility the facility's account
    error ReserveNotFacility(address facility);
    /// @notice No release offer has this number.
    /// @param id the release offer's number
    error ReserveUnknownOffer(uint256 id);
    /// @notice The release offer was accepted or withdrawn.
    /// @param id the release offer's number
    error ReserveOfferClosed(uint256 id);
    /// @notice Only the offer's buyer accepts it.
    /// @param id the release offer's number
    /// @param caller who asked
    error ReserveNotBuyer(uint256 id, address caller);
    /// @notice A quantity of zero kg.
    error ReserveZeroQuantity();
    /// @notice The source does not fit the step (a reclaim is Reclaimed or Idle).
    /// @param source where the rights came from (R-27)
    error ReserveInvalidSource(Source source);
    /// @notice The terms the buyer signed are not the offer's.
    /// @param id the release offer's number
    error ReserveOfferMismatch(uint256 id);
    /// Release proceeds must reach the treasury (R-29): a deployment without one is refused.
    error ReserveZeroAddress();

    /// @notice R-27: the regulator council (its time lock) reclaims a unit's rights into the
    /// reserve — free and waived ones without pay, paid ones bought back from the reserve fund at
    /// the settled benchmark of the unit's district (seed 003 §2(二); `IPriceBook.settledQuote`).
    /// `source` is Reclaimed or Idle.
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param origin the rights' origin (paid, free, waived)
    /// @param kg the quantity, kg
    /// @param source where the rights came from (R-27)
    /// @param reason the reason, in words (published)
    function reclaim(address unit, uint32 pollutant, Origin origin, uint64 kg, Source source, string calldata reason)
        external;

    /// @notice R-33: every unencumbered right of a unit that obtained rights by deception, free of charge.
    /// @param unit the emitting unit's account (排污单位)
    /// @param reason the reason, in words (published)
    function reclaimForFraud(address unit, string calldata reason) external;

    /// @notice R-26: the unit sells paid rights of a surrendered period's surplus back, within the
    /// period's window, at the settled benchmark of its own district (`IPriceBook.settledQuote`);
    /// no more than the period's surplus (`IComplianceManager.useSurplus`).
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @param kg the quantity, kg
    function buyBack(uint32 pollutant, uint32 period, uint64 kg) external;

    /// @notice R-27 (the regulator council's time lock): rights created by a registered centralised
    /// sewage or garbage facility enter the reserve within its district's cap (R-10), paid to the
    /// facility from the reserve fund at its district's settled benchmark.
    /// @param facility the facility's account
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity, kg
    function acquireFromFacility(address facility, uint32 pollutant, uint64 kg) external;

    /// @notice R-28: offer reserve rights to a buyer by negotiated transfer, for a priority project or
    /// through the green channel (R-21); the buyer accepts and pays; proceeds go to the treasury (R-29).
    /// An offer whose acceptance the ledger would refuse today — the green channel's 1 t (R-21), the
    /// price floor (R-15), the buyer's eligibility (R-11, R-17, R-38) — is refused at once with the
    /// ledger's named error, the one the acceptance would give.
    /// @param buyer the buyer's account
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity, kg
    /// @param priceFen the price, fen
    /// @param source where the rights came from (R-27)
    /// @param use what the rights went to (R-28)
    /// @param reason the reason, in words (published)
    /// @return id the new offer's number
    function offerRelease(
        address buyer,
        uint32 pollutant,
        uint64 kg,
        uint256 priceFen,
        Source source,
        Use use,
        string calldata reason
    ) external returns (uint256 id);

    /// @notice The regulator withdraws a release offer before the buyer accepts.
    /// @param id the release offer's number
    function withdrawOffer(uint256 id) external;
    /// @notice The buyer accepts a release offer and pays its price to the treasury (R-28, R-29).
    /// @param id the release offer's number
    function acceptRelease(uint256 id) external;

    /// @notice R-26 signed by the unit (EIP-712 domain `GovernmentReserve`, version 2; docs/signing.md),
    /// with the least total price it accepts, so a relayer cannot sell at a lower benchmark:
    /// `BuyBack(address unit,uint32 pollutant,uint32 period,uint64 kg,uint256 minPriceFen,uint256 nonce,uint256 deadline)`;
    /// a lower price is refused (`ReservePriceBelowAccepted`).
    /// @param unit the emitting unit's account (排污单位)
    /// @param pollutant the pollutant's id in the account registry
    /// @param period the compliance period's number
    /// @param kg the quantity, kg
    /// @param minPriceFen the least price the unit accepts, fen
    /// @param deadline the signature's last valid time, unix seconds
    /// @param signature the signer's EIP-712 signature (a contract wallet's: ERC-1271)
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
    /// @param buyer the buyer's account
    /// @param id the release offer's number
    /// @param pollutant the pollutant's id in the account registry
    /// @param kg the quantity, kg
    /// @param priceFen the price, fen
    /// @param deadline the signature's last valid time, unix seconds
    /// @param signature the signer's EIP-712 signature (a contract wallet's: ERC-1271)
    function acceptReleaseBySig(
        address buyer,
        uint256 id,
        uint32 pollutant,
        uint64 kg,
        uint256 priceFen,
        uint256 deadline,
        bytes calldata signature
    ) external;

    /// @notice What the reserve holds of `pollutant` from `source`, kg.
    /// @param source where the rights came from (R-27)
    /// @param pollutant the pollutant's id in the account registry
    /// @return the quantity, kg
    function stock(Source source, uint32 pollutant) external view returns (uint64);
    /// @notice Every kg of `pollutant` that entered the reserve from `source`.
    /// @param source where the rights came from (R-27)
    /// @param pollutant the pollutant's id in the account registry
    /// @return the quantity, kg
    function inflow(Source source, uint32 pollutant) external view returns (uint64);
    /// @notice Every kg of `pollutant` from `source` that left the reserve.
    /// @param source where the rights came from (R-27)
    /// @param pollutant the pollutant's id in the account registry
    /// @return the quantity, kg
    function outflow(Source source, uint32 pollutant) external view returns (uint64);
    /// @notice Every kg of `pollutant` the reserve released for `use`.
    /// @param use what the rights went to (R-28)
    /// @param pollutant the pollutant's id in the account registry
    /// @return the quantity, kg
    function released(Use use, uint32 pollutant) external view returns (uint64);
    /// @notice The release offer numbered `id`.
    /// @param id the release offer's number
    /// @return the offer
    function offer(uint256 id) external view returns (Offer memory);
}
