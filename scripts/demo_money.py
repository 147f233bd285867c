"""Demo of money in and out and of a company without the chain's native coin (R-16, R-29).
Called at the end of scripts/demo.py.

A new company (a key of its own that the chain never funded) is registered; it transfers RMB to
the settlement bank, which issues settlement money against the transfer's reference (on chain
as its hash); the company signs, in its wallet, a permit to deposit into its trading account,
an application, its purchase, a listing, a withdrawal and a redemption to its bank account; the
service's relayer sends each; another unit takes the listing; the bank pays the redemption out.
The company's native coin stays 0 throughout.
"""

from __future__ import annotations

import hashlib

from brownie import (
    AccountRegistry,
    Exchange,
    PrimaryMarket,
    RightsLedger,
    SettlementToken,
    chain,
    web3,
)
from eth_account import Account
from eth_utils import keccak

from backend.chain.client import Chain
from backend.chain.domain import POLLUTANT_IDS, Sector
from backend.chain.typed_data import sign
from backend.services.actions.catalogue import default_actions
from backend.services.actions.pipeline import ActionPolicy
from backend.services.money import deposit_call, prepare_deposit
from backend.services.registration import with_check
from scripts.demo_city import UNITS

# DEV ONLY: the demo's gasless company's key, derived from a fixed phrase (never a real key)
DEMO_GASLESS_KEY = keccak(text="drr demo: gasless company (development only)")
NAME, CODE = "两江新区绿色建材有限公司", with_check("91500000MA5UGREEN")  # GB 32100
COD = POLLUTANT_IDS["COD"]


def run(parties, deployment, unit, send, progress) -> None:
    """``unit(name)`` is a demo unit's account; ``send`` sends quietly."""
    c = {name: rec.address for name, rec in deployment.contracts.items()}
    money = SettlementToken.at(c["SettlementToken"])
    primary = PrimaryMarket.at(c["PrimaryMarket"])
    exchange = Exchange.at(c["Exchange"])
    relayer, bank = parties["relayer"], parties["settlement_bank"]
    regulator = parties["city_regulator"]
    company = Account.from_key(DEMO_GASLESS_KEY)
    service = Chain(w3=web3, deployment=deployment)
    actions = default_actions()
    # in the chemical plant's district and basin, whose COD cap has room
    _, _, district, basin, _ = next(u for u in UNITS if u[0] == "长江化工有限公司")

    def relay(to: str, data: bytes):
        return relayer.transfer(to, 0, data="0x" + data.hex(), silent=True)

    def signed(name: str, **fields):
        """The company signs the action in its wallet; the relayer sends it."""
        bound = actions.bind(service, name)
        nonce = int(bound.contract.functions.nonces(company.address).call())
        message = {**fields, "nonce": nonce, "deadline": chain.time() + 3_600}
        signature = sign(bound.full(message), company.key)
        return relay(bound.contract.address, bound.call_data(message, signature))

    registry = AccountRegistry.at(c["AccountRegistry"])
    send(registry.registerAccount, company.address, CODE, NAME, int(Sector.INDUSTRY), district,
         basin, sender=regulator)  # fmt: skip
    reference = "ICBC-20241231-0000001"
    send(money.issue, company.address, 5_000_000_00, keccak(text=reference), sender=bank)
    progress.step(f"{NAME}: 500 万元 issued by the settlement bank against transfer {reference} "
                  "(on chain as its hash, R-16)")  # fmt: skip

    permit = prepare_deposit(chain=service, account=company.address, amount_fen=4_000_000_00,
                             deadline=None, policy=ActionPolicy())  # fmt: skip
    signature = "0x" + sign(permit["typed_data"], company.key).hex()
    _, call = deposit_call(service, permit["typed_data"], signature)
    relay(c["Exchange"], call)
    applied = signed("apply", applicant=company.address, pollutant=COD, quantityKg=20_000, kind=0)
    application = applied.events["ApplicationSubmitted"]["id"]
    send(primary.approve, application, 20_000, sender=regulator)
    fee = primary.feeOf(application)  # the fee it sees and accepts at most
    signed("purchase", applicant=company.address, application=application, maxFeeFen=fee)
    progress.step(f"{NAME}: 400 万元 deposited by a signed permit; 20 t COD applied for, approved "
                  "and bought by signature (R-08, R-16)")  # fmt: skip

    ledger = RightsLedger.at(c["RightsLedger"])
    send(registry.setQualifiedSeller, company.address, True, sender=regulator)
    send(ledger.certifyTradable, company.address, COD, 20_000, sender=regulator)
    listed = signed("list", seller=company.address, pollutant=COD, quantityKg=5_000,
                    askFen=2_500_000, stepFen=10_000, endsAt=chain.time() + 7 * 86_400)  # fmt: skip
    listing = listed.events["Listed"]["id"]
    send(exchange.take, listing, sender=unit("西南制药股份"))
    progress.step(f"{NAME}: 5 t COD listed by signature and taken by 西南制药股份 (R-14)")

    signed("withdraw", account=company.address, amountFen=1_000_000_00)
    account_hash = hashlib.sha256("重庆农村商业银行 两江分行 0101 0000 8888".encode()).digest()
    requested = signed("redeem", holder=company.address, amountFen=1_500_000_00,
                       bankAccount=account_hash)  # fmt: skip
    redemption = requested.events["RedemptionRequested"]["id"]
    send(money.confirmRedemption, redemption, keccak(text="PAYOUT-20241231-0001"), sender=bank)
    coin = web3.eth.get_balance(company.address)
    progress.step(f"{NAME}: 100 万元 withdrawn and 150 万元 paid out to its bank account "
                  f"(R-16); native coin held throughout: {coin}")  # fmt: skip
