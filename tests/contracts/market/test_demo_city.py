"""The demo city that `make run` loads trades through the exchange end to end (R-08 – R-34)."""

import brownie
from eth_account import Account

from backend.chain.deployment import Deployment
from backend.chain.policy import Figure, Switch, load
from scripts import demo
from scripts.demo_money import DEMO_GASLESS_KEY

SOLD, TAKEN, SETTLED_LISTING = 2, 3, 4
EXECUTED = 4  # IRegulatorCouncil.State


def test_demo_city_trades_through_the_exchange(tmp_path, monkeypatch, parties):
    """The demo seeds deposits, benchmark purchases with a waiver, a new-rights auction, a
    negotiated trade, a listing with electronic bidding, a sealed-bid auction and an enforcement
    sale, then a reserve release to a priority project and a lease; every lot and listing ends
    settled and the money adds up; its caps, its compliance period and a reclaim went through the
    regulator council."""
    record = tmp_path / "demo.json"
    monkeypatch.setenv("DRR_DEPLOYMENT_FILE", str(record))
    demo.main()
    d = Deployment.load(record)
    at = {name: getattr(brownie, name).at(c.address) for name, c in d.contracts.items()}
    cny, market, auctions = at["SettlementToken"], at["Exchange"], at["AuctionHouse"]
    primary, ledger = at["PrimaryMarket"], at["RightsLedger"]
    assert [auctions.lot(i)["status"] for i in range(1, auctions.lotCount() + 1)] == [SOLD] * 3
    assert market.listing(1)["status"] == SETTLED_LISTING
    apps = [primary.application(i) for i in range(1, primary.applicationCount() + 1)]
    assert [a["waived"] for a in apps].count(True) == 1
    # the treasury holds every benchmark fee, the price of the new rights and of the reserve
    # release, nothing else (the reserve fund it paid in stays with the reserve)
    fees = sum(primary.feeOf(i + 1) for i, a in enumerate(apps) if a["kind"] == 0)
    new_rights = auctions.lot(1)["leadingFen"]
    release = at["GovernmentReserve"].offer(1)
    assert not release["open"]
    assert cny.balanceOf(parties["finance_bureau"]) == fees + new_rights + release["priceFen"]
    assert cny.balanceOf(market) == market.totalBooked()
    assert cny.totalSupply() == cny.totalIssued() - cny.totalRedeemed()
    assert ledger.totalSupply(1) > 0
    # the caps came through the regulator council (proposal 1, 2 of 3, time-locked), and the
    # regulator's key is no admin any more (docs/security.md)
    council, regulator = at["RegulatorCouncil"], parties["city_regulator"]
    assert council.state(1) == EXECUTED and council.proposal(1)["approvals"] == 2
    assert council.state(2) == EXECUTED  # the compliance period
    assert at["ComplianceManager"].periodCount() == 1
    assert council.state(3) == EXECUTED  # R-27: the idle rights' reclaim
    assert not ledger.hasRole(ledger.DEFAULT_ADMIN_ROLE(), regulator)
    assert not ledger.hasRole(ledger.REGULATOR_ROLE(), regulator)
    compliance = at["ComplianceManager"]
    assert not compliance.hasRole(compliance.REGULATOR_ROLE(), regulator)
    # money in and out for a company that never held the native coin (scripts/demo_money.py):
    # issued against a transfer, deposited by permit, its listing taken, paid out to its bank
    gasless = Account.from_key(DEMO_GASLESS_KEY).address
    assert brownie.web3.eth.get_balance(gasless) == 0
    assert market.listing(2)["status"] == TAKEN and market.listing(2)["seller"] == gasless
    assert cny.totalRedeemed() == 150_000_000 and cny.pendingRedemptions() == 0
    # the city's policy (default: Shijiazhuang 2023): a lease under it, and the council's change
    # of the green channel's limit waiting for its effective time (docs/registry.md "Policy")
    policy = at["PolicyBook"]
    assert at["LeaseBook"].leaseCount() == 1
    assert council.state(4) == EXECUTED
    assert policy.figure(int(Figure.GREEN_CHANNEL_LIMIT_KG)) == 1_000
    assert policy.scheduled(int(Figure.GREEN_CHANNEL_LIMIT_KG))["next"] == 500


def test_demo_city_under_the_chongqing_2014_policy(tmp_path, monkeypatch):
    """`make run POLICY=chongqing-2014`: the same demo under the Chongqing plan — no lease and no
    green-channel change (the plan has neither), every other step as under the default."""
    record = tmp_path / "demo.json"
    monkeypatch.setenv("DRR_DEPLOYMENT_FILE", str(record))
    monkeypatch.setenv("DRR_POLICY", "chongqing-2014")
    demo.main()
    d = Deployment.load(record)
    at = {name: getattr(brownie, name).at(c.address) for name, c in d.contracts.items()}
    policy = at["PolicyBook"]
    assert policy.figure(int(Figure.SWITCHES)) == load("chongqing-2014").switch_word
    assert not policy.isOn(int(Switch.LEASING)) and at["LeaseBook"].leaseCount() == 0
    assert at["Exchange"].listing(1)["status"] == SETTLED_LISTING
    assert at["AuctionHouse"].lotCount() == 3
