// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title ISignedActionProbe
/// @notice TEST ONLY. The smallest contract that follows the signed-action pattern of
/// docs/signing.md: a holder signs an EIP-712 struct in its own wallet (an EOA or an ERC-1271
/// contract wallet), anyone (the service's relayer) submits it to `<action>BySig`, and a
/// read-only pre-check returns the reason code of the rule that would refuse it. Signature,
/// nonce and deadline are checked by `SignedActions` (contracts/utils), as in the product. The service's tests use it until the registry and exchange
/// actions exist; it is never part of a production deployment.
interface ISignedActionProbe {
    /// @notice Why `canTransfer` would refuse a transfer; code `n` ↔ the custom error named below.
    enum Reason {
        Ok, //                 0: would succeed
        ZeroQuantity, //       1: ProbeZeroQuantity
        SelfTransfer, //       2: ProbeSelfTransfer
        UnknownAccount, //     3: ProbeUnknownAccount
        FrozenAccount, //       4: ProbeFrozenAccount
        InsufficientBalance // 5: ProbeInsufficientBalance
    }

    event ProbeAccountOpened(address indexed holder);
    event ProbeCredited(address indexed holder, uint32 indexed pollutant, uint64 kg);
    event ProbeAccountFrozen(address indexed holder);
    event ProbeTransferred(
        address indexed from, address indexed to, uint32 indexed pollutant, uint64 kg, uint256 nonce
    );

    error ProbeZeroQuantity();
    error ProbeSelfTransfer(address holder);
    error ProbeUnknownAccount(address holder);
    error ProbeFrozenAccount(address holder);
    error ProbeInsufficientBalance(address holder, uint32 pollutant, uint64 needed, uint64 available);

    /// @notice Opens an account (operator only).
    function openAccount(address holder) external;

    /// @notice Credits `kg` of `pollutant` to an open account (operator only).
    function credit(address holder, uint32 pollutant, uint64 kg) external;

    /// @notice Credits `kg` of `pollutant` to each of `holders`, one event each (operator only).
    function creditMany(address[] calldata holders, uint32 pollutant, uint64 kg) external;

    /// @notice Freezes an account: it can no longer send or receive (operator only).
    function freeze(address holder) external;

    /// @notice Moves `kg` of `pollutant` from `from` to `to`, as `from` signed in the EIP-712
    /// struct `Transfer(address from,address to,uint32 pollutant,uint64 kg,uint256 nonce,uint256 deadline)`.
    /// The nonce is `nonces(from)`, used up by a successful call.
    function transferBySig(
        address from,
        address to,
        uint32 pollutant,
        uint64 kg,
        uint256 deadline,
        bytes calldata signature
    ) external;

    /// @notice The reason `transferBySig` would refuse this transfer now (`Reason.Ok` if none).
    function canTransfer(address from, address to, uint32 pollutant, uint64 kg) external view returns (Reason);

    function balanceOf(address holder, uint32 pollutant) external view returns (uint64);

    function isOpen(address holder) external view returns (bool);
}
