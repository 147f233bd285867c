// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @notice Sector of an account (R-03). Thermal power (R-19), livestock (R-20) and the
/// phased roll-out (R-38) key on it. `Government` is the city's reserve account.
enum Sector {
    None,
    Industry,
    Livestock,
    Service,
    ThermalPower,
    TreatmentFacility,
    Investor,
    Government
}

/// @notice Environmental medium of a pollutant kind (R-01): SO2 and NOx are air pollutants (R-19).
enum PollutantClass {
    Other,
    Water,
    Air,
    Solid
}

/// @notice Origin of rights (SPEC §4): only `Paid` may be sold, bought back or leased (R-05).
enum Origin {
    Paid,
    Free,
    Waived
}

/// @notice The kind of a balance change, each with its own rules (see TransferRules).
enum Op {
    Allocate, // rights created for a holder (primary sale, legacy free allocation, reserve creation)
    Trade, // rights sold through the exchange to another holder (R-13)
    Surrender, // rights burned against verified usage (R-24)
    Pledge, // available → pledged (R-07, R-34)
    Release, // pledged → available, by the bank (R-34)
    EnforcedSale, // pledged rights sold by the exchange on the bank's enforcement (R-34)
    Reclaim, // rights taken into the government reserve (R-27, R-33)
    LeaseOut, // paid rights lent to a lessee for a term (R-35)
    LeaseReturn, // leased rights returned to the lessor (R-35)
    Succession, // rights passed on in a merger or split (R-30, R-31)
    Offer // rights offered for sale, before there is a buyer: the seller's side of a Trade (R-13)
}

/// @notice How a trade was concluded (R-14, R-21, R-26, R-28), recorded with it.
enum TradeMode {
    None,
    Negotiated, // 协议转让
    Listing, // 挂牌 / electronic bidding
    Auction, // 公开竞价
    GreenChannel, // 绿色通道 (R-21)
    BuyBack, // 回购 at benchmark (R-26)
    ReserveRelease, // reserve rights released to the market (R-28)
    Enforcement // pledge enforcement sale (R-34)
}

/// @notice Why a movement is refused: the pre-check's answer (0 = allowed). Each reason has a
/// named custom error that the state-changing path reverts with.
enum Reason {
    Ok,
    ZeroQuantity,
    UnknownPollutant, // R-01
    NotRegistered, // R-02
    AccountClosed, // R-32
    InsufficientRights, // R-05, R-07: not enough unencumbered rights of the needed origin
    BelowPermit, // R-06
    CapExceeded, // R-10
    NoCap, // R-10: allocation needs a cap for the region and pollutant
    PolicyRestricted, // R-11
    PriceBelowBenchmark, // R-15
    NoBenchmark, // R-15
    Blacklisted, // R-17
    NonAttainmentDestination, // R-18
    ThermalPowerAirPollutant, // R-19
    IndustryLivestock, // R-20
    GreenChannelLimit, // R-21
    SectorNotEnabled, // R-38
    SellerNotQualified, // R-39
    NotCertifiedTradable, // R-39
    SameAccount,
    NotReserve, // R-21, R-28: the movement must come from the government reserve
    NotInPolicy, // the city's policy has no such instrument (green channel, leasing, buy-back: PolicyBook)
    ModuleRefused // a rule module the council attached refuses it (PolicyBook)
}
