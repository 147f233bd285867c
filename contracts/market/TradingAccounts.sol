// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ITradingAccounts} from "../interfaces/ITradingAccounts.sol";
import {SignedActions} from "../utils/SignedActions.sol";
import {Roles} from "../access/Roles.sol";
import {CouncilUpgradeable} from "../proxy/CouncilUpgradeable.sol";

/// @title TradingAccounts
/// @notice The members' money at the exchange, by book entry (R-16). Every change of an account
/// passes through `_credit` / `_debit`; the token moves only on deposit, withdrawal and payout,
/// after the book was written (checks-effects-interactions). The token is the exchange's own
/// settlement token, which calls nobody back.
/// @dev A member's signed-action nonce (`SignedActions`) is kept in the same storage slot as its
/// money: a settlement that consumes a party's signature also writes its money, so the nonce costs
/// a warm write instead of a slot of its own (≈ 4 800 gas per signature, docs/benchmarks.md).
/// Amounts are therefore uint112 (up to 5.19e33 fen), the nonce uint32 (4.29e9 signed actions).
/// @custom:oz-upgrades-unsafe-allow state-variable-immutable (peer proxy addresses and fixed settings;
/// docs/operations.md "Upgrades")
abstract contract TradingAccounts is ITradingAccounts, CouncilUpgradeable, SignedActions {
    using SafeERC20 for IERC20;

    /// The exchange's market contracts (auction house, primary market) that settle through this book.
    bytes32 public constant MARKET_ROLE = Roles.MARKET;
    bytes32 private constant WITHDRAWAL_TYPEHASH =
        keccak256("Withdrawal(address account,uint256 amountFen,uint256 nonce,uint256 deadline)");

    /// One slot per member: its money (available, locked behind bids and deposits) and its next
    /// signed-action nonce.
    struct Book {
        uint112 available;
        uint112 locked;
        uint32 nonce;
    }

    IERC20 public immutable money;
    mapping(address account => Book) private _funds;
    uint256 private _booked;

    constructor(IERC20 money_) {
        money = money_;
    }

    /// @inheritdoc ITradingAccounts
    function deposit(address account, uint256 fen) public {
        _deposit(msg.sender, account, fen);
    }

    /// @inheritdoc ITradingAccounts
    /// @dev Only the owner's own consent moves its money: a permit that the token refuses (forged,
    /// empty, expired, or already used by someone who submitted it first) stops a relayed deposit,
    /// whatever allowance the owner gave this contract; the owner itself may still deposit with
    /// that allowance (OpenZeppelin's front-run advice, limited to the owner's own call).
    function depositWithPermit(address owner, uint256 fen, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
    {
        try IERC20Permit(address(money)).permit(owner, address(this), fen, deadline, v, r, s) {}
        catch {
            if (msg.sender != owner) revert ExchangeInvalidPermit(owner);
        }
        _deposit(owner, owner, fen);
    }

    /// @inheritdoc ITradingAccounts
    function withdraw(uint256 fen) external {
        _withdraw(msg.sender, fen);
    }

    /// @inheritdoc ITradingAccounts
    function withdrawBySig(address account, uint256 fen, uint256 deadline, bytes calldata signature) external {
        _useSignature(account, abi.encode(WITHDRAWAL_TYPEHASH, account, fen), deadline, signature);
        _withdraw(account, fen);
    }

    /// @inheritdoc ITradingAccounts
    function lock(address account, uint256 fen) external onlyRole(MARKET_ROLE) {
        _lock(account, fen);
    }

    /// @inheritdoc ITradingAccounts
    function unlock(address account, uint256 fen) external onlyRole(MARKET_ROLE) {
        _unlock(account, fen);
    }

    /// @inheritdoc ITradingAccounts
    function transferLocked(address from, address to, uint256 fen) external onlyRole(MARKET_ROLE) {
        _transfer(from, to, fen, true);
    }

    /// @inheritdoc ITradingAccounts
    function payOut(address from, address to, uint256 fen, bool fromLocked) external onlyRole(MARKET_ROLE) {
        _payOut(from, to, fen, fromLocked);
    }

    /// @inheritdoc ITradingAccounts
    function fundsOf(address account) external view returns (Funds memory) {
        Book storage b = _funds[account];
        return Funds(b.available, b.locked);
    }

    /// @notice The next nonce of `owner`'s signed actions at the exchange (kept with its money).
    function nonces(address owner) public view override returns (uint256) {
        return _funds[owner].nonce;
    }

    /// @dev OpenZeppelin's `Nonces._useNonce` on the packed slot: returns the current nonce and
    /// increments it (checked: 2³² signed actions of one member would revert, never wrap).
    function _useNonce(address owner) internal override returns (uint256) {
        return _funds[owner].nonce++;
    }

    /// @inheritdoc ITradingAccounts
    function totalBooked() external view returns (uint256) {
        return _booked;
    }

    // ------------------------------------------------------------------ book entries

    /// @dev The only way money enters the book: the book's total stays within uint112, so no
    /// account's available or locked money can overflow afterwards.
    function _deposit(address from, address account, uint256 fen) private {
        if (fen == 0) revert ExchangeZeroAmount();
        uint256 booked = _booked + _fen(fen);
        if (booked > type(uint112).max) revert ExchangeAmountTooLarge(fen);
        _funds[account].available += uint112(fen);
        _booked = booked;
        emit FundsDeposited(account, from, fen);
        money.safeTransferFrom(from, address(this), fen);
    }

    function _withdraw(address account, uint256 fen) private {
        if (fen == 0) revert ExchangeZeroAmount();
        _debit(account, fen, false);
        _booked -= fen;
        emit FundsWithdrawn(account, fen);
        money.safeTransfer(account, fen);
    }

    function _lock(address account, uint256 fen) internal {
        if (fen == 0) return;
        Book storage f = _funds[account];
        uint112 amount = _fen(fen);
        if (f.available < amount) revert ExchangeInsufficientFunds(account, f.available, fen);
        f.available -= amount;
        f.locked += amount;
        emit FundsLocked(account, fen, msg.sender);
    }

    function _unlock(address account, uint256 fen) internal {
        if (fen == 0) return;
        Book storage f = _funds[account];
        uint112 amount = _fen(fen);
        if (f.locked < amount) revert ExchangeInsufficientLocked(account, f.locked, fen);
        f.locked -= amount;
        f.available += amount;
        emit FundsUnlocked(account, fen, msg.sender);
    }

    /// @dev A settlement's payment: `from`'s available (or locked) money to `to`'s available money.
    function _transfer(address from, address to, uint256 fen, bool fromLocked) internal {
        if (fen == 0) return;
        _debit(from, fen, fromLocked);
        _funds[to].available += uint112(fen); // fits: it was just debited from a uint112
        emit FundsTransferred(from, to, fen, fromLocked);
    }

    /// @dev Money leaves the book for a wallet (the treasury, R-29).
    function _payOut(address from, address to, uint256 fen, bool fromLocked) internal {
        if (fen == 0) return;
        _debit(from, fen, fromLocked);
        _booked -= fen;
        emit FundsPaidOut(from, to, fen, fromLocked);
        money.safeTransfer(to, fen);
    }

    function _debit(address account, uint256 fen, bool fromLocked) private {
        Book storage f = _funds[account];
        uint112 amount = _fen(fen);
        if (fromLocked) {
            if (f.locked < amount) revert ExchangeInsufficientLocked(account, f.locked, fen);
            f.locked -= amount;
        } else {
            if (f.available < amount) revert ExchangeInsufficientFunds(account, f.available, fen);
            f.available -= amount;
        }
    }

    function _available(address account) internal view returns (uint256) {
        return _funds[account].available;
    }

    function _fen(uint256 fen) private pure returns (uint112) {
        if (fen > type(uint112).max) revert ExchangeAmountTooLarge(fen);
        return uint112(fen);
    }
}
