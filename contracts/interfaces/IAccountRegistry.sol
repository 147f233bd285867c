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

    /// @notice Everything the rule engine needs about a proposed movement, read in one call.
    struct MovementContext {
        Profile from;
        Profile to;
        Pollutant pollutant;
        bool fromSectorEnabled; // R-38
        bool toSectorEnabled; // R-38
        bool toDistrictNonAttainment; // R-18
        bool toBasinNonAttainment; // R-18
    }

    event PollutantAdded(uint32 indexed pollutant, string code, string name, PollutantClass class);
    event AccountRegistered(
        address indexed holder,
        string creditCode,
        string name,
        Sector sector,
        uint16 district,
        uint16 basin,
        address indexed by
    );
    event AttributesChanged(address indexed holder, Sector sector, uint16 district, uint16 basin, address indexed by);
    event RestrictionChanged(address indexed holder, uint8 indexed restriction, bool active, string reason, address indexed by);
    event PolicyRestrictionChanged(address indexed holder, bool restricted, string reason, address indexed by);
    event SellerQualificationChanged(address indexed holder, bool qualified, address indexed by);
    event NonAttainmentChanged(bool indexed isBasin, uint16 indexed area, uint32 indexed pollutant, bool nonAttainment);
    event SectorEnabledChanged(Sector indexed sector, bool enabled);
    event DistrictRegulatorSet(address indexed regulator, uint16 indexed district);
    event AccountClosed(address indexed holder, string reason, address indexed by);

    error RegistryCreditCodeTaken(string creditCode, address holder);
    error RegistryAccountExists(address holder);
    error RegistryNotRegistered(address holder);
    error RegistryAccountIsClosed(address holder);
    error RegistryUnknownPollutant(uint32 pollutant);
    error RegistryPollutantCodeTaken(string code, uint32 pollutant);
    error RegistryInvalidCode(string code);
    error RegistryInvalidSector(Sector sector);
    error RegistryInvalidDistrict(uint16 district);
    error RegistryInvalidRestriction(uint8 restriction);
    error RegistryOutsideDistrict(address actor, address holder, uint16 district);
    error RegistryNotAuthority(address actor);
    error RegistryZeroAddress();

    // ---- pollutants (R-01) ----
    function addPollutant(string calldata code, string calldata name, PollutantClass class)
        external
        returns (uint32 pollutant);
    function pollutant(uint32 id) external view returns (Pollutant memory);
    function pollutantCount() external view returns (uint32);

    // ---- accounts (R-02, R-03) ----
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
    function registerAccountBatch(Registration[] calldata accounts) external;
    /// @notice A unit's district and basin: an authority over both districts. Its sector (which
    /// decides R-19, R-20, R-38, and for Government R-18–R-20 and R-39): only the regulator
    /// council's time lock, which may change every attribute. Registering a Government (authority)
    /// account is the council's too.
    function changeAttributes(address holder, Sector sector, uint16 district, uint16 basin) external;
    function setRestriction(address holder, uint8 restriction, bool active, string calldata reason) external;
    function setPolicyRestricted(address holder, bool restricted, string calldata reason) external;
    function setQualifiedSeller(address holder, bool qualified) external;
    function closeAccount(address holder, string calldata reason) external;

    function profile(address holder) external view returns (Profile memory);
    function holderOf(string calldata creditCode) external view returns (address);
    function accountCount() external view returns (uint256);
    function accountAt(uint256 index) external view returns (address);

    // ---- city-wide lists (R-18, R-38) ----
    /// @notice R-18: list or delist a district (or basin) as failing its standard for a pollutant.
    /// Area ids on the list are below 128 (a city's districts and basins).
    function setNonAttainment(bool isBasin, uint16 area, uint32 pollutant, bool nonAttainment) external;
    function setSectorEnabled(Sector sector, bool enabled) external;
    function isNonAttainment(bool isBasin, uint16 area, uint32 pollutant) external view returns (bool);
    function sectorEnabled(Sector sector) external view returns (bool);

    // ---- authorities (SPEC §1) ----
    function setDistrictRegulator(address regulator, uint16 district) external;
    function districtOfRegulator(address regulator) external view returns (uint16);
    /// @notice Whether `actor` may act as regulator for `holder`: the city regulator for every
    /// account, a district regulator only for accounts of its own district.
    function isAuthorityFor(address actor, address holder) external view returns (bool);

    /// @notice Profiles of both parties, the pollutant and the lists that apply, in one call.
    function movementContext(address from, address to, uint32 pollutant)
        external
        view
        returns (MovementContext memory);

    /// @notice The context of a movement with one party and no placement rules (surrender,
    /// pledge, release, offer): `from` and `pollutant` filled, every other field zero.
    function holderContext(address holder, uint32 pollutant) external view returns (MovementContext memory);
}
