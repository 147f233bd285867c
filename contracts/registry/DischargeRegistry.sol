// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title DischargeRegistry
/// @notice Minimal register of discharge-right accounts and per-pollutant balances (in kg).
/// Accounts are bound to a unified social credit code (R-02); pollutant kinds are data (R-01).
contract DischargeRegistry is AccessControl {
    bytes32 public constant REGULATOR_ROLE = keccak256("REGULATOR_ROLE");

    struct Account {
        bytes32 creditCodeHash;
        uint16 district;
        bool registered;
    }

    mapping(address holder => Account) private _accounts;
    mapping(bytes32 creditCodeHash => address holder) private _holderOfCode;
    mapping(uint32 pollutant => bool) private _pollutantExists;
    mapping(address holder => mapping(uint32 pollutant => uint256 kg)) private _balances;
    address[] private _holders;
    uint32 private _pollutantCount;

    event PollutantAdded(uint32 indexed pollutant, string code, string name);
    event AccountRegistered(address indexed holder, string creditCode, string name, uint16 district);
    event RightsAllocated(address indexed holder, uint32 indexed pollutant, uint256 kg);

    error RegistryCreditCodeTaken(string creditCode, address holder);
    error RegistryAccountExists(address holder);
    error RegistryUnknownAccount(address holder);
    error RegistryUnknownPollutant(uint32 pollutant);
    error RegistryZeroQuantity();

    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice Adds a pollutant kind (R-01). Returns its id.
    function addPollutant(string calldata code, string calldata name)
        external
        onlyRole(REGULATOR_ROLE)
        returns (uint32 pollutant)
    {
        pollutant = ++_pollutantCount;
        _pollutantExists[pollutant] = true;
        emit PollutantAdded(pollutant, code, name);
    }

    /// @notice Opens the one account of a unit (R-02).
    function registerAccount(address holder, string calldata creditCode, string calldata name, uint16 district)
        external
        onlyRole(REGULATOR_ROLE)
    {
        bytes32 codeHash = keccak256(bytes(creditCode));
        address existing = _holderOfCode[codeHash];
        if (existing != address(0)) revert RegistryCreditCodeTaken(creditCode, existing);
        if (_accounts[holder].registered) revert RegistryAccountExists(holder);
        _accounts[holder] = Account({creditCodeHash: codeHash, district: district, registered: true});
        _holderOfCode[codeHash] = holder;
        _holders.push(holder);
        emit AccountRegistered(holder, creditCode, name, district);
    }

    /// @notice Records rights approved for a unit.
    function allocate(address holder, uint32 pollutant, uint256 kg) external onlyRole(REGULATOR_ROLE) {
        if (!_accounts[holder].registered) revert RegistryUnknownAccount(holder);
        if (!_pollutantExists[pollutant]) revert RegistryUnknownPollutant(pollutant);
        if (kg == 0) revert RegistryZeroQuantity();
        _balances[holder][pollutant] += kg;
        emit RightsAllocated(holder, pollutant, kg);
    }

    function balanceOf(address holder, uint32 pollutant) external view returns (uint256) {
        return _balances[holder][pollutant];
    }

    function holders() external view returns (address[] memory) {
        return _holders;
    }

    function pollutantCount() external view returns (uint32) {
        return _pollutantCount;
    }

    function districtOf(address holder) external view returns (uint16) {
        if (!_accounts[holder].registered) revert RegistryUnknownAccount(holder);
        return _accounts[holder].district;
    }
}
