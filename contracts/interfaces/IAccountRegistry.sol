// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Sector, PollutantClass} from "./Types.sol";

/// @title IAccountRegistry
/// @notice Who may hold discharge rights: pollutant kinds (R-01), one real-name account per unified
/// social credit code (R-02), the attributes the rules need (R-03), credit restrictions (R-17),
/// industrial-policy flag (R-11), non-attainment areas (R-18), sector roll-out (R-38) and trading
/// party qualification (R-39). Every change takes effect from its block (R-04).
interface IAccountRegistry {
    /// @notice An account's attributes, packed in one storage slot.
    struct Profile {
        bool registered;
        bool closed; // R-32: closed accounts never move again
        bool policyRestricted; // R-11: fails industrial policy, no rights
        bool qualifiedSeller; // R-39: passed the trading-party review
        uint8 restrictions; // R-17: bitmask of RESTRICTION_* reasons; non-zero = blacklisted
        Sector sector;
        uint16 district; // 区县: region of caps, benchmarks, district regulators
        uint16 basin; // 流域: R-18 non-attainment by basin
        uint64 updatedAtBlock; // R-04: block from which these attributes are in force
    }

    /// @notice One account of a batch registration (`registerAccountBatch`).
    struct Registration {
        address holder;
        string creditCode;
        string name;
        Sector sector;
        uint16 district;
        uint16 basin;
    }

    struct Pollutant {
        bytes16 code;
        PollutantClass class;
        bool exists;
    }

    /// @notice Everything the rule engine needs about a proposed movement (`ruleContext`, decoded).
    struct MovementContext {
        Profile from;
        Profile to;
        Pollutant pollutant;
        bool fromSectorEnabled; // R-38
        bool toSectorEnabled; // R-38
        bool toDistrictNonAttainment; // R-18
        bool toBasinNonAttainment; // R-18
    }

    /// @notice The regulator added a pollutant the registry trades (R-01).
    /// @param pollutant the pollutant's id
    /// @param code the pollutant's code (e.g. COD)
    /// @param name its name
    /// @param class its class (water or air)
    event PollutantAdded(uint32 indexed pollutant, string code, string name, PollutantClass class);
    /// @notice The regulator opened an account for a unit (R-02, R-03).
    /// @param holder the account
    /// @param creditCode the unit's unified social credit code (统一社会信用代码)
    /// @param name the unit's name
    /// @param sector its sector
    /// @param district its district's code
    /// @param basin its basin's code
    /// @param by who acted
    event AccountRegistered(
        address indexed holder,
        string creditCode,
        string name,
        Sector sector,
        uint16 district,
        uint16 basin,
        address indexed by
    );
    /// @notice A unit's sector, district or basin changed; in force from this block (R-04).
    /// @param holder the account
    /// @param sector its sector
    /// @param district its district's code
    /// @param basin its basin's code
    /// @param by who acted
    event AttributesChanged(address indexed holder, Sector sector, uint16 district, uint16 basin, address indexed by);
    /// @notice A blacklist reason of the holder was set or lifted (R-17).
    /// @param holder the account
    /// @param restriction the blacklist reason (one RESTRICTION_* bit)
    /// @param active true when set, false when lifted
    /// @param reason the reason, in words (published)
    /// @param by who acted
    event RestrictionChanged(address indexed holder, uint8 indexed restriction, bool active, string reason, address indexed by);
    /// @notice The holder was marked as failing industrial policy, or cleared (R-11).
    /// @param holder the account
    /// @param restricted true when it fails industrial policy
    /// @param reason the reason, in words (published)
    /// @param by who acted
    event PolicyRestrictionChanged(address indexed holder, bool restricted, string reason, address indexed by);
    /// @notice The holder passed or lost the trading-party review (R-39).
    /// @param holder the account
    /// @param qualified true when it passed the review
    /// @param by who acted
    event SellerQualificationChanged(address indexed holder, bool qualified, address indexed by);
    /// @notice A district or basin was listed or delisted as failing its standard for a pollutant (R-18).
    /// @param isBasin true for a basin, false for a district
    /// @param area the district's or basin's code
    /// @param pollutant the pollutant's id
    /// @param nonAttainment true when listed
    event NonAttainmentChanged(bool indexed isBasin, uint16 indexed area, uint32 indexed pollutant, bool nonAttainment);
    /// @notice A sector joined or left the trading scheme (R-38).
    /// @param sector its sector
    /// @param enabled true when it takes part
    event SectorEnabledChanged(Sector indexed sector, bool enabled);
    /// @notice A district regulator (区县分局) was assigned its district.
    /// @param regulator the district regulator's account
    /// @param district its district's code
    event DistrictRegulatorSet(address indexed regulator, uint16 indexed district);
    /// @notice The account was closed; it never moves rights again (R-32).
    /// @param holder the account
    /// @param reason the reason, in words (published)
    /// @param by who acted
    event AccountClosed(address indexed holder, string reason, address indexed by);

    /// @notice Another account holds this unified social credit code (R-02).
    /// @param creditCode the unit's unified social credit code (统一社会信用代码)
    /// @param holder the account
    error RegistryCreditCodeTaken(string creditCode, address holder);
    /// @notice The address already has an account.
    /// @param holder the account
    error RegistryAccountExists(address holder);
    /// @notice The address has no account.
    /// @param holder the account
    error RegistryNotRegistered(address holder);
    /// @notice The account is closed (R-32).
    /// @param holder the account
    error RegistryAccountIsClosed(address holder);
    /// @notice No pollutant has this id.
    /// @param pollutant the pollutant's id
    error RegistryUnknownPollutant(uint32 pollutant);
    /// @notice Another pollutant has this code.
    /// @param code the pollutant's code (e.g. COD)
    /// @param pollutant the pollutant's id
    error RegistryPollutantCodeTaken(string code, uint32 pollutant);
    /// @notice A pollutant code of 1 to 16 bytes, a credit code of 18 characters.
    /// @param code the pollutant's code (e.g. COD)
    error RegistryInvalidCode(string code);
    /// @notice The sector does not fit the step (a Government account is the council's to register).
    /// @param sector its sector
    error RegistryInvalidSector(Sector sector);
    /// @notice A district (or basin) id outside the city's list.
    /// @param district its district's code
    error RegistryInvalidDistrict(uint16 district);
    /// @notice A restriction that is not one of the blacklist reasons (R-17).
    /// @param restriction the blacklist reason (one RESTRICTION_* bit)
    error RegistryInvalidRestriction(uint8 restriction);
    /// @notice A district regulator acts only for accounts of its own district.
    /// @param actor who acted
    /// @param holder the account
    /// @param district its district's code
    error RegistryOutsideDistrict(address actor, address holder, uint16 district);
    /// @notice Only the city regulator or a district regulator acts.
    /// @param actor who acted
    error RegistryNotAuthority(address actor);
    /// @notice An account, admin or regulator at the zero address.
    error RegistryZeroAddress();

    // ---- pollutants (R-01) ----
    /// @notice Add a pollutant the registry trades (R-01).
    /// @param code the pollutant's code (e.g. COD)
    /// @param name its name
    /// @param class its class (water or air)
    /// @return pollutant the new pollutant's id
    function addPollutant(string calldata code, string calldata name, PollutantClass class)
        external
        returns (uint32 pollutant);
    /// @notice The pollutant with id `id`.
    /// @param id the pollutant's id
    /// @return the pollutant
    function pollutant(uint32 id) external view returns (Pollutant memory);
    /// @notice How many pollutants there are (ids 1 … this).
    /// @return the number
    function pollutantCount() external view returns (uint32);

    // ---- accounts (R-02, R-03) ----
    /// @notice Open an account for a unit (R-02, R-03): the city regulator, or the district regulator of `district`.
    /// @param holder the account
    /// @param creditCode the unit's unified social credit code (统一社会信用代码)
    /// @param name the unit's name
    /// @param sector its sector
    /// @param district its district's code
    /// @param basin its basin's code
    function registerAccount(
        address holder,
        string calldata creditCode,
        string calldata name,
        Sector sector,
        uint16 district,
        uint16 basin
    ) external;
    /// @notice Register many accounts in one transaction, each under exactly the checks of
    /// `registerAccount` and with its own `AccountRegistered` event; all or nothing.
    /// @param accounts the accounts to register
    function registerAccountBatch(Registration[] calldata accounts) external;
    /// @notice A unit's district and basin: an authority over both districts. Its sector (which
    /// decides R-19, R-20, R-38, and for Government R-18–R-20 and R-39): only the regulator
    /// council's time lock, which may change every attribute. Registering a Government (authority)
    /// account is the council's too.
    /// @param holder the account
    /// @param sector its sector
    /// @param district its district's code
    /// @param basin its basin's code
    function changeAttributes(address holder, Sector sector, uint16 district, uint16 basin) external;
    /// @notice Set or lift a blacklist reason of the holder (R-17).
    /// @param holder the account
    /// @param restriction the blacklist reason (one RESTRICTION_* bit)
    /// @param active true when set, false when lifted
    /// @param reason the reason, in words (published)
    function setRestriction(address holder, uint8 restriction, bool active, string calldata reason) external;
    /// @notice Mark the holder as failing industrial policy, or clear it (R-11).
    /// @param holder the account
    /// @param restricted true when it fails industrial policy
    /// @param reason the reason, in words (published)
    function setPolicyRestricted(address holder, bool restricted, string calldata reason) external;
    /// @notice Record that the holder passed (or lost) the trading-party review (R-39).
    /// @param holder the account
    /// @param qualified true when it passed the review
    function setQualifiedSeller(address holder, bool qualified) external;
    /// @notice Close the holder's account (R-32): its lifecycle module, after the checks of `IUnitLifecycle.close`.
    /// @param holder the account
    /// @param reason the reason, in words (published)
    function closeAccount(address holder, string calldata reason) external;

    /// @notice The holder's profile.
    /// @param holder the account
    /// @return the profile (all zero when unregistered)
    function profile(address holder) external view returns (Profile memory);
    /// @notice The account registered under a unified social credit code (zero when none).
    /// @param creditCode the unit's unified social credit code (统一社会信用代码)
    /// @return the account
    function holderOf(string calldata creditCode) external view returns (address);
    /// @notice How many accounts were registered.
    /// @return the number
    function accountCount() external view returns (uint256);
    /// @notice The account registered `index`-th (from 0).
    /// @param index the position, from 0
    /// @return the account
    function accountAt(uint256 index) external view returns (address);

    // ---- city-wide lists (R-18, R-38) ----
    /// @notice R-18: list or delist a district (or basin) as failing its standard for a pollutant.
    /// Area ids on the list are below 128 (a city's districts and basins).
    /// @param isBasin true for a basin, false for a district
    /// @param area the district's or basin's code
    /// @param pollutant the pollutant's id
    /// @param nonAttainment true when listed
    function setNonAttainment(bool isBasin, uint16 area, uint32 pollutant, bool nonAttainment) external;
    /// @notice Let a sector join or leave the trading scheme (R-38).
    /// @param sector its sector
    /// @param enabled true when it takes part
    function setSectorEnabled(Sector sector, bool enabled) external;
    /// @notice Whether the district (or basin) is listed as failing its standard for the pollutant (R-18).
    /// @param isBasin true for a basin, false for a district
    /// @param area the district's or basin's code
    /// @param pollutant the pollutant's id
    /// @return true when listed
    function isNonAttainment(bool isBasin, uint16 area, uint32 pollutant) external view returns (bool);
    /// @notice Whether the sector takes part in the trading scheme (R-38).
    /// @param sector its sector
    /// @return true when it takes part
    function sectorEnabled(Sector sector) external view returns (bool);

    // ---- authorities (SPEC §1) ----
    /// @notice Assign a district regulator (区县分局) its district (0 removes it).
    /// @param regulator the district regulator's account
    /// @param district its district's code
    function setDistrictRegulator(address regulator, uint16 district) external;
    /// @notice The district of a district regulator (0 when none).
    /// @param regulator the district regulator's account
    /// @return the district's code
    function districtOfRegulator(address regulator) external view returns (uint16);
    /// @notice Whether `actor` may act as regulator for `holder`: the city regulator for every
    /// account, a district regulator only for accounts of its own district.
    /// @param actor who acted
    /// @param holder the account
    /// @return true when it may
    function isAuthorityFor(address actor, address holder) external view returns (bool);

    /// @notice What the rule engine reads about a movement, in one call and three words (decoded
    /// by `RuleContext`; cheaper to return and check than the struct): each party's profile as
    /// stored (the `Profile` slot; 0 for `address(0)`, which is not read), and the facts word:
    /// the pollutant's existence and class, whether each party's sector is enabled (R-38, if
    /// `rollout`) and whether `to`'s district and basin fail the pollutant's standard (R-18, if
    /// `lists`): the rule engine asks for what the city's policy applies. One-party movements
    /// (surrender, pledge, release) pass `to` = 0 and neither flag: they read the holder's
    /// profile and the pollutant only.
    /// @param from the sending party (0: none, an allocation)
    /// @param to the receiving party (0: none)
    /// @param pollutant the pollutant's id
    /// @param rollout whether to read the sector roll-out (R-38)
    /// @param lists whether to read the non-attainment lists (R-18)
    /// @return fromProfile `from`'s profile word
    /// @return toProfile `to`'s profile word
    /// @return facts the facts word (`RuleContext`)
    function ruleContext(address from, address to, uint32 pollutant, bool rollout, bool lists)
        external
        view
        returns (uint256 fromProfile, uint256 toProfile, uint256 facts);
}
