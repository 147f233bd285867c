"""Brownie's wait for a receipt, made safe on a busy machine (scripts and tests alike).

anvil can count a sender's nonce as used a moment before the mined transaction's receipt is
readable; Brownie 1.22 then reports "Tx dropped without known replacement" for a transaction
that was mined (seen under load, in the demo's load as in the tests). Waiting for the receipt
first (bounded) closes that window; nothing else changes.
"""

from __future__ import annotations

import functools
import time

from brownie.network.transaction import TransactionReceipt

_PATCHED = "_drr_receipt_first"


def _receipt_first(await_confirmation):
    @functools.wraps(await_confirmation)
    def wait(self, block_number=None, required_confs=1):
        from brownie import web3
        from web3.exceptions import TransactionNotFound

        deadline = time.monotonic() + 10
        while required_confs > 0 and time.monotonic() < deadline:
            try:
                if web3.eth.get_transaction_receipt(self.txid)["blockHash"] is not None:
                    break
            except TransactionNotFound:
                pass
            time.sleep(0.02)
        return await_confirmation(self, block_number, required_confs)

    setattr(wait, _PATCHED, True)
    return wait


def wait_for_receipts_first() -> None:
    """Install the bounded receipt wait in front of Brownie's own (once per process)."""
    if not getattr(TransactionReceipt._await_confirmation, _PATCHED, False):
        TransactionReceipt._await_confirmation = _receipt_first(
            TransactionReceipt._await_confirmation
        )
