// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title Roles
/// @notice The parties of SPEC §1 as AccessControl role ids, shared by every contract so that a
/// party holds the same role id everywhere. Contracts expose them as `X_ROLE` constants.
library Roles {
    /// 市生态环境局: registers accounts, approves allowances, sets caps, runs surrender.
    bytes32 internal constant REGULATOR = keccak256("REGULATOR_ROLE");
    /// 区县分局: the same, scoped to one district (AccountRegistry keeps the scope).
    bytes32 internal constant DISTRICT_REGULATOR = keccak256("DISTRICT_REGULATOR_ROLE");
    /// 交易机构 and its market contracts: the only path by which rights change holder (R-13).
    bytes32 internal constant EXCHANGE = keccak256("EXCHANGE_ROLE");
    /// 物价局: publishes benchmark prices (R-15).
    bytes32 internal constant PRICE_SETTER = keccak256("PRICE_SETTER_ROLE");
    /// 财政局: receives fees, grants fee waivers (R-12, R-29).
    bytes32 internal constant TREASURY = keccak256("TREASURY_ROLE");
    /// 核查机构: posts verified usage (R-23).
    bytes32 internal constant VERIFIER = keccak256("VERIFIER_ROLE");
    /// 金融机构: takes rights as collateral (R-34).
    bytes32 internal constant PLEDGEE = keccak256("PLEDGEE_ROLE");
    /// The exchange's settlement bank: issues and redeems settlement money (R-16).
    bytes32 internal constant SETTLEMENT_BANK = keccak256("SETTLEMENT_BANK_ROLE");
    /// Ledger capabilities of the registry's own modules (least privilege: one role per module).
    bytes32 internal constant PERMIT_MANAGER = keccak256("PERMIT_MANAGER_ROLE"); // PermitRegistry
    bytes32 internal constant PLEDGE_MANAGER = keccak256("PLEDGE_MANAGER_ROLE"); // PledgeBook
    bytes32 internal constant COMPLIANCE = keccak256("COMPLIANCE_ROLE"); // ComplianceManager
    bytes32 internal constant RESERVE = keccak256("RESERVE_ROLE"); // GovernmentReserve
    bytes32 internal constant LEASING = keccak256("LEASING_ROLE"); // LeaseBook
    bytes32 internal constant LIFECYCLE = keccak256("LIFECYCLE_ROLE"); // UnitLifecycle
    /// The regulator council's time lock (contracts/governance): high-impact regulator actions
    /// (reclaim, fraud sanction, blacklist) approved M-of-N and delayed; see docs/security.md.
    bytes32 internal constant TIMELOCK = keccak256("TIMELOCK_ROLE");
    /// Contract modules allowed to maintain account status (closure, fraud).
    bytes32 internal constant ACCOUNT_MANAGER = keccak256("ACCOUNT_MANAGER_ROLE");
    /// 市生态环境局领导班子: members of the regulator council, who approve its proposals M-of-N.
    bytes32 internal constant COUNCIL_MEMBER = keccak256("COUNCIL_MEMBER_ROLE");
    /// The council's guardian: may cancel a queued proposal during its delay, never propose.
    bytes32 internal constant GUARDIAN = keccak256("GUARDIAN_ROLE");
    /// 交易机构's operators: open and close the exchange's sessions and auctions (R-14, R-16).
    bytes32 internal constant EXCHANGE_OPERATOR = keccak256("EXCHANGE_OPERATOR_ROLE");
    /// The exchange's market contracts (auction house, primary market) that settle through the
    /// exchange's trading accounts.
    bytes32 internal constant MARKET = keccak256("MARKET_ROLE");
    /// The auction house, registering auction wins in the primary market (R-09).
    bytes32 internal constant AUCTION = keccak256("AUCTION_ROLE");
    /// The service's relayer keys, sending batches of signed actions (docs/operations.md).
    bytes32 internal constant RELAYER = keccak256("RELAYER_ROLE");
    /// OpenZeppelin's ids, listed so that this file names every role a deployment holds:
    /// AccessControl's admin of every contract, and the council time lock's (TimelockController)
    /// proposer, executor and canceller (all three held by the council contract).
    bytes32 internal constant DEFAULT_ADMIN = 0x00;
    bytes32 internal constant TIMELOCK_PROPOSER = keccak256("PROPOSER_ROLE");
    bytes32 internal constant TIMELOCK_EXECUTOR = keccak256("EXECUTOR_ROLE");
    bytes32 internal constant TIMELOCK_CANCELLER = keccak256("CANCELLER_ROLE");
}
