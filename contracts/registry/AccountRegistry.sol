// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {CouncilUpgradeable} from "../proxy/CouncilUpgradeable.sol";
import {IAccountRegistry} from "../interfaces/IAccountRegistry.sol";
import {Sector, PollutantClass} from "../interfaces/Types.sol";
import {Roles} from "../access/Roles.sol";
import {RuleContext} from "./RuleContext.sol";

/// @title AccountRegistry
/// @notice Who may hold discharge rights (注册登记): accounts and the regulator-maintained data the
/// rules read. It moves no rights; RightsLedger does, and asks this registry.
contract AccountRegistry is IAccountRegistry, CouncilUpgradeable {
    bytes32 public constant REGULATOR_ROLE = Roles.REGULATOR;
    bytes32 public constant DISTRICT_REGULATOR_ROLE = Roles.DISTRICT_REGULATOR;
    bytes32 public constant ACCOUNT_MANAGER_ROLE = Roles.ACCOUNT_MANAGER;
    bytes32 public constant TIMELOCK_ROLE = Roles.TIMELOCK;

    // R-17 reasons a unit may not trade (seed 000 §4(二)); R-33 fraud.
    uint8 public constant RESTRICTION_CREDIT = 1; // 环保信用不良
    uint8 public constant RESTRICTION_SUPERVISION = 2; // 环保挂牌督办
    uint8 public constant RESTRICTION_RECTIFICATION = 4; // 污染源限期治理
    uint8 public constant RESTRICTION_REGIONAL_SUSPENSION = 8; // 区域限批
    uint8 public constant RESTRICTION_FRAUD = 16; // 以欺骗手段获取 (R-33)
    uint8 public constant RESTRICTION_LEGAL = 32; // 其他法律法规规定
    /// The blacklist proper (a published credit sanction): set and lifted only through the
    /// council's time lock (or the lifecycle module's fraud sanction, itself time-locked). The
    /// other reasons freeze trading and nothing else: one authority sets and lifts them at once.
    uint8 public constant BLACKLIST_RESTRICTIONS = RESTRICTION_CREDIT | RESTRICTION_FRAUD;

    mapping(uint32 id => Pollutant) private _pollutants;
    mapping(bytes16 code => uint32 id) private _pollutantByCode;
    uint32 private _pollutantCount;

    mapping(address holder => Profile) private _profiles;
    mapping(bytes32 creditCodeHash => address holder) private _holderOfCode;
    address[] private _accounts;

    /// @dev R-18 per pollutant: bit i of `districts` / `basins` set = area i fails its standard.
    /// One slot, read on every trade. Area ids for the list are below MAX_LISTED_AREA.
    struct NonAttainment {
        uint128 districts;
        uint128 basins;
    }

    uint16 public constant MAX_LISTED_AREA = 128;
    mapping(uint32 pollutant => NonAttainment) private _nonAttainment;
    uint256 private _enabledSectors; // bit i set = Sector(i) enabled (R-38); one slot for the rule engine
    mapping(address regulator => uint16 district) private _districtOfRegulator;

    /// @notice Runs once, through the proxy that creates this contract (docs/operations.md "Upgrades").
    /// @param admin holder of DEFAULT_ADMIN_ROLE until it hands administration to the council's time lock
    function initialize(address admin) external initializer {
        if (admin == address(0)) revert RegistryZeroAddress();
        _initCouncilAdmin(admin);
    }

    // ---------------------------------------------------------------- pollutants (R-01)

    /// @inheritdoc IAccountRegistry
    function addPollutant(string calldata code, string calldata name, PollutantClass class)
        external
        onlyRole(REGULATOR_ROLE)
        returns (uint32 id)
    {
        bytes memory raw = bytes(code);
        if (raw.length == 0 || raw.length > 16) revert RegistryInvalidCode(code);
        bytes16 key = bytes16(raw);
        uint32 existing = _pollutantByCode[key];
        if (existing != 0) revert RegistryPollutantCodeTaken(code, existing);
        id = ++_pollutantCount;
        _pollutants[id] = Pollutant({code: key, class: class, exists: true});
        _pollutantByCode[key] = id;
        emit PollutantAdded(id, code, name, class);
    }

    /// @inheritdoc IAccountRegistry
    function pollutant(uint32 id) external view returns (Pollutant memory) {
        return _pollutants[id];
    }

    /// @inheritdoc IAccountRegistry
    function pollutantCount() external view returns (uint32) {
        return _pollutantCount;
    }

    // ---------------------------------------------------------------- accounts (R-02, R-03)

    /// @inheritdoc IAccountRegistry
    function registerAccount(
        address holder,
        string calldata creditCode,
        string calldata name,
        Sector sector,
        uint16 district,
        uint16 basin
    ) external {
        _register(holder, creditCode, name, sector, district, basin);
    }

    /// @inheritdoc IAccountRegistry
    function registerAccountBatch(Registration[] calldata accounts) external {
        for (uint256 i; i < accounts.length; ++i) {
            Registration calldata a = accounts[i];
            _register(a.holder, a.creditCode, a.name, a.sector, a.district, a.basin);
        }
    }

    function _register(
        address holder,
        string calldata creditCode,
        string calldata name,
        Sector sector,
        uint16 district,
        uint16 basin
    ) private {
        if (holder == address(0)) revert RegistryZeroAddress();
        // an authority account (the reserve) is exempt from the trading rules: only the council
        if (sector == Sector.Government) _requireCouncil();
        else _requireDistrictAuthority(district);
        if (sector == Sector.None) revert RegistryInvalidSector(sector);
        if (bytes(creditCode).length != 18) revert RegistryInvalidCode(creditCode);
        bytes32 codeHash = keccak256(bytes(creditCode));
        address existing = _holderOfCode[codeHash];
        if (existing != address(0)) revert RegistryCreditCodeTaken(creditCode, existing);
        if (_profiles[holder].registered) revert RegistryAccountExists(holder);

        _holderOfCode[codeHash] = holder;
        _accounts.push(holder);
        Profile storage p = _profiles[holder];
        p.registered = true;
        p.sector = sector;
        p.district = district;
        p.basin = basin;
        p.updatedAtBlock = uint64(block.number);
        emit AccountRegistered(holder, creditCode, name, sector, district, basin, msg.sender);
    }

    /// @inheritdoc IAccountRegistry
    /// @dev A sector decides which trading rules bind the unit (R-19, R-20, R-38; Government lifts
    /// R-18–R-20 and R-39): a change of sector is the council's; a move between districts, an
    /// authority's over both.
    function changeAttributes(address holder, Sector sector, uint16 district, uint16 basin) external {
        Profile storage p = _openAccount(holder);
        if (sector == Sector.None) revert RegistryInvalidSector(sector);
        if (!hasRole(TIMELOCK_ROLE, msg.sender)) {
            _requireAuthority(holder);
            if (district != p.district) _requireDistrictAuthority(district);
            if (sector != p.sector) revert AccessControlUnauthorizedAccount(msg.sender, TIMELOCK_ROLE);
        }
        p.sector = sector;
        p.district = district;
        p.basin = basin;
        p.updatedAtBlock = uint64(block.number);
        emit AttributesChanged(holder, sector, district, basin, msg.sender);
    }

    /// @inheritdoc IAccountRegistry
    /// @dev The unit lifecycle module (ACCOUNT_MANAGER_ROLE) sets the fraud restriction (R-33); a
    /// blacklist reason needs the council's time lock; a freeze, an authority over the unit.
    function setRestriction(address holder, uint8 restriction, bool active, string calldata reason) external {
        Profile storage p = _openAccount(holder);
        if (!hasRole(ACCOUNT_MANAGER_ROLE, msg.sender) && !hasRole(TIMELOCK_ROLE, msg.sender)) {
            if (restriction & BLACKLIST_RESTRICTIONS != 0) revert AccessControlUnauthorizedAccount(msg.sender, TIMELOCK_ROLE);
            _requireAuthority(holder);
        }
        // exactly one known reason bit per call, so every change is its own event
        if (restriction == 0 || restriction > RESTRICTION_LEGAL || restriction & (restriction - 1) != 0) {
            revert RegistryInvalidRestriction(restriction);
        }
        p.restrictions = active ? p.restrictions | restriction : p.restrictions & ~restriction;
        p.updatedAtBlock = uint64(block.number);
        emit RestrictionChanged(holder, restriction, active, reason, msg.sender);
    }

    /// @inheritdoc IAccountRegistry
    function setPolicyRestricted(address holder, bool restricted, string calldata reason) external {
        Profile storage p = _openAccount(holder);
        _requireAuthority(holder);
        p.policyRestricted = restricted;
        p.updatedAtBlock = uint64(block.number);
        emit PolicyRestrictionChanged(holder, restricted, reason, msg.sender);
    }

    /// @inheritdoc IAccountRegistry
    function setQualifiedSeller(address holder, bool qualified) external {
        Profile storage p = _openAccount(holder);
        _requireAuthority(holder);
        p.qualifiedSeller = qualified;
        p.updatedAtBlock = uint64(block.number);
        emit SellerQualificationChanged(holder, qualified, msg.sender);
    }

    /// @inheritdoc IAccountRegistry
    /// @dev Only a module that has checked the unit's balances and obligations (R-32) may close.
    function closeAccount(address holder, string calldata reason) external onlyRole(ACCOUNT_MANAGER_ROLE) {
        Profile storage p = _openAccount(holder);
        p.closed = true;
        p.updatedAtBlock = uint64(block.number);
        emit AccountClosed(holder, reason, msg.sender);
    }

    /// @inheritdoc IAccountRegistry
    function profile(address holder) external view returns (Profile memory) {
        return _profiles[holder];
    }

    /// @inheritdoc IAccountRegistry
    function holderOf(string calldata creditCode) external view returns (address) {
        return _holderOfCode[keccak256(bytes(creditCode))];
    }

    /// @inheritdoc IAccountRegistry
    function accountCount() external view returns (uint256) {
        return _accounts.length;
    }

    /// @inheritdoc IAccountRegistry
    function accountAt(uint256 index) external view returns (address) {
        return _accounts[index];
    }

    // ---------------------------------------------------------------- city-wide lists

    /// @inheritdoc IAccountRegistry
    function setNonAttainment(bool isBasin, uint16 area, uint32 pollutantId, bool nonAttainment)
        external
        onlyRole(REGULATOR_ROLE)
    {
        if (!_pollutants[pollutantId].exists) revert RegistryUnknownPollutant(pollutantId);
        if (area >= MAX_LISTED_AREA) revert RegistryInvalidDistrict(area);
        NonAttainment storage list = _nonAttainment[pollutantId];
        uint128 bit = uint128(1) << area;
        if (isBasin) list.basins = nonAttainment ? list.basins | bit : list.basins & ~bit;
        else list.districts = nonAttainment ? list.districts | bit : list.districts & ~bit;
        emit NonAttainmentChanged(isBasin, area, pollutantId, nonAttainment);
    }

    /// @inheritdoc IAccountRegistry
    function setSectorEnabled(Sector sector, bool enabled) external onlyRole(REGULATOR_ROLE) {
        if (sector == Sector.None) revert RegistryInvalidSector(sector);
        uint256 bit = 1 << uint8(sector);
        _enabledSectors = enabled ? _enabledSectors | bit : _enabledSectors & ~bit;
        emit SectorEnabledChanged(sector, enabled);
    }

    /// @inheritdoc IAccountRegistry
    function isNonAttainment(bool isBasin, uint16 area, uint32 pollutantId) external view returns (bool) {
        NonAttainment memory list = _nonAttainment[pollutantId];
        return _listed(isBasin ? list.basins : list.districts, area);
    }

    /// @inheritdoc IAccountRegistry
    function sectorEnabled(Sector sector) external view returns (bool) {
        return _enabledSectors & (1 << uint8(sector)) != 0;
    }

    // ---------------------------------------------------------------- authorities

    /// @inheritdoc IAccountRegistry
    function setDistrictRegulator(address regulator, uint16 district) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (regulator == address(0)) revert RegistryZeroAddress();
        if (district == 0) revert RegistryInvalidDistrict(district);
        _districtOfRegulator[regulator] = district;
        _grantRole(DISTRICT_REGULATOR_ROLE, regulator);
        emit DistrictRegulatorSet(regulator, district);
    }

    /// @inheritdoc IAccountRegistry
    function districtOfRegulator(address regulator) external view returns (uint16) {
        return _districtOfRegulator[regulator];
    }

    /// @inheritdoc IAccountRegistry
    function isAuthorityFor(address actor, address holder) public view returns (bool) {
        if (hasRole(REGULATOR_ROLE, actor)) return true;
        return hasRole(DISTRICT_REGULATOR_ROLE, actor) && _profiles[holder].registered
            && _districtOfRegulator[actor] == _profiles[holder].district;
    }

    /// @inheritdoc IAccountRegistry
    function ruleContext(address from, address to, uint32 pollutantId, bool rollout, bool lists)
        external
        view
        returns (uint256 fromProfile, uint256 toProfile, uint256 facts)
    {
        Pollutant storage p = _pollutants[pollutantId];
        facts = RuleContext.pollutantFacts(p.exists, p.class);
        // address(0) is never registered (`RegistryZeroAddress`): its profile is 0, unread
        if (from != address(0)) fromProfile = _profileWord(from);
        if (to != address(0)) toProfile = _profileWord(to);
        if (rollout) {
            uint256 enabled = _enabledSectors;
            facts |= RuleContext.rolloutFacts(
                enabled & (1 << RuleContext.sector(fromProfile)) != 0,
                enabled & (1 << RuleContext.sector(toProfile)) != 0
            );
        }
        if (lists) {
            NonAttainment memory list = _nonAttainment[pollutantId];
            facts |= RuleContext.listFacts(
                _listed(list.districts, RuleContext.district(toProfile)),
                _listed(list.basins, RuleContext.basin(toProfile))
            );
        }
    }

    // ---------------------------------------------------------------- internals

    function _openAccount(address holder) private view returns (Profile storage p) {
        p = _profiles[holder];
        if (!p.registered) revert RegistryNotRegistered(holder);
        if (p.closed) revert RegistryAccountIsClosed(holder);
    }

    function _requireAuthority(address holder) private view {
        if (!isAuthorityFor(msg.sender, holder)) {
            if (hasRole(DISTRICT_REGULATOR_ROLE, msg.sender)) {
                revert RegistryOutsideDistrict(msg.sender, holder, _profiles[holder].district);
            }
            revert RegistryNotAuthority(msg.sender);
        }
    }

    /// @dev The city regulator acts in every district; a district regulator only in its own.
    function _requireDistrictAuthority(uint16 district) private view {
        if (hasRole(REGULATOR_ROLE, msg.sender)) return;
        if (hasRole(DISTRICT_REGULATOR_ROLE, msg.sender)) {
            if (_districtOfRegulator[msg.sender] == district) return;
            revert RegistryOutsideDistrict(msg.sender, address(0), district);
        }
        revert RegistryNotAuthority(msg.sender);
    }

    function _requireCouncil() private view {
        if (!hasRole(TIMELOCK_ROLE, msg.sender)) revert AccessControlUnauthorizedAccount(msg.sender, TIMELOCK_ROLE);
    }

    /// @dev `holder`'s `Profile` slot as stored (the layout `RuleContext` decodes).
    function _profileWord(address holder) private view returns (uint256 word) {
        Profile storage p = _profiles[holder];
        assembly ("memory-safe") {
            word := sload(p.slot)
        }
    }

    function _listed(uint128 bitmap, uint16 area) private pure returns (bool) {
        return area < MAX_LISTED_AREA && bitmap & (uint128(1) << area) != 0;
    }
}
