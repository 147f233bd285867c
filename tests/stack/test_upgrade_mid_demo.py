"""The council replaces live code in the middle of the demo and no record is lost
(docs/operations.md "Upgrades").

``make run``'s stack on a copy of the loaded demo city: the demo's actions go on (pledges,
trades, certifications through the service), the regulator council upgrades the pledge book and
the settlement money to a next version (proposal → a second member's approval → the time lock's
delay → execution) while any other key's upgrade and a second initialisation are refused by
name, and every balance, pledge, permit, obligation, lease, the money and the
explorer's history read the same afterwards; the demo's actions go on through the same addresses.
"""

from __future__ import annotations

from eth_account import Account
from web3 import Web3
from web3.exceptions import ContractCustomError

from backend.chain.deployment import Deployment
from backend.chain.devkeys import COUNCIL_MEMBERS, authority_key
from backend.network.batch import Batch
from backend.stack.anvil import Rpc
from backend.toolchain.storage_layout import LayoutError, compile_layouts
from scripts import upgrade
from tests.stack.load import BANK, PHARMA, SEWAGE, STEEL, Load
from tests.stack.test_durable_stack import chain_of, explorer_figures

UPGRADES = {"PledgeBook": "PledgeBookV2", "SettlementToken": "SettlementTokenV2"}
PARTIES = (SEWAGE, STEEL, PHARMA, BANK)
# what the explorer shows of every record the upgrade must keep (besides explorer_figures)
PAGES = (
    "/api/v1/public/money",
    "/api/v1/public/compliance",
    "/api/v1/public/allocations",
    *(f"/api/v1/public/units/{p.address}/history" for p in (SEWAGE, STEEL, PHARMA)),
)


def records(w3: Web3, deployment: Deployment) -> dict:
    """The records on chain, read through the proxies: every pledge, the money of each party,
    the rights and permits of the demo's units (read by the ledger and the permit registry)."""

    def at(name: str):
        entry = deployment.contracts[name]
        return w3.eth.contract(address=entry.address, abi=entry.abi).functions

    pledges, money, ledger = at("PledgeBook"), at("SettlementToken"), at("RightsLedger")
    leases, compliance = at("LeaseBook"), at("ComplianceManager")
    units = [p.address for p in PARTIES]
    return {
        "pledges": [pledges.pledgeOf(i).call() for i in range(1, pledges.pledgeCount().call() + 1)],
        "money": [money.balanceOf(u).call() for u in units]
        + [
            money.totalSupply().call(),
            money.totalIssued().call(),
            money.pendingRedemptions().call(),
        ],
        "nonces": [money.nonces(u).call() for u in units],
        "rights": [
            ledger.balanceOf(u, pollutant).call() for u in units for pollutant in range(1, 8)
        ],
        "positions": [
            ledger.positionOf(u, pollutant).call() for u in units for pollutant in (1, 3)
        ],
        "permits": [ledger.permitOf(u).call() for u in units],
        "obligations": [compliance.pendingObligation(u).call() for u in units],
        "leases": [leases.lease(i).call() for i in range(1, leases.leaseCount().call() + 1)],
    }


def by_council(w3: Web3, calls: list[tuple[str, bytes]], description: str, deployment) -> None:
    """Propose, approve (2 of 3), let the time lock's delay pass (anvil's clock), execute."""
    council = w3.eth.contract(
        address=deployment.contracts["RegulatorCouncil"].address,
        abi=deployment.contracts["RegulatorCouncil"].abi,
    )
    first, second = (Account.from_key(authority_key(m).private_key) for m in COUNCIL_MEMBERS[:2])
    batch = Batch(w3)
    targets, payloads = [t for t, _ in calls], [d for _, d in calls]
    batch.call(first, council, "propose", targets, payloads, description, gas=2_000_000)
    (receipt,) = batch.wait()
    (created,) = council.events.ProposalCreated().process_receipt(receipt)
    pid = created["args"]["id"]
    batch.call(second, council, "approve", pid)
    batch.wait()
    eta = _eta(council, pid)
    rpc = Rpc(str(w3.provider.endpoint_uri))
    rpc("evm_increaseTime", max(eta - w3.eth.get_block("latest")["timestamp"], 0) + 1)
    rpc("evm_mine")
    batch.call(first, council, "execute", pid, gas=2_000_000)
    batch.wait()


def error_data(signature: str, *addresses: str) -> bytes:
    """A custom error's revert data (or a call's data): its selector and its address arguments."""
    return Web3.keccak(text=signature)[:4] + b"".join(
        bytes(12) + bytes.fromhex(a[2:]) for a in addresses
    )


def refusal(w3: Web3, sender: str, to: str, data: bytes) -> bytes:
    """The revert data of ``data`` sent by ``sender`` to ``to`` (nothing is sent)."""
    try:
        w3.eth.call({"from": sender, "to": to, "data": data})
    except ContractCustomError as refused:
        return bytes.fromhex(str(refused.data).removeprefix("0x"))
    raise AssertionError(f"{sender} was not refused")


def _eta(council, pid: int) -> int:
    (scheduled,) = council.events.ProposalScheduled().get_logs(
        from_block=0, argument_filters={"id": pid}
    )
    return scheduled["args"]["eta"]


def test_the_council_upgrades_live_code_mid_demo_and_every_record_stays(stack):
    stack.start()
    chain = chain_of(stack)
    w3 = chain.w3
    path = stack.data / "deployment.json"
    deployment = Deployment.load(path)
    load = Load(stack.url, prefix="upgrade")
    load.run(6)  # the demo goes on: pledges, trades, certifications
    stack.wait_indexed()
    before = records(w3, deployment)
    figures = explorer_figures(stack)
    pages = {p: stack.get(p) for p in PAGES}
    assert before["pledges"] and any(before["money"])

    deployer = Account.from_key(authority_key("city_regulator").private_key)
    layouts = compile_layouts()
    # a candidate that would move every stored variable is refused before anything is sent
    try:
        upgrade.prepare(w3, deployment, "PledgeBook", "PledgeBookShifted", deployer, layouts)
        raise AssertionError("a layout-breaking implementation was accepted")
    except LayoutError as refused:
        assert any("moved from slot 0:0 to 1:0" in p for p in refused.problems), refused
    old = {n: upgrade.implementation_of(w3, deployment.contracts[n].address) for n in UPGRADES}
    new = {n: upgrade.prepare(w3, deployment, n, c, deployer, layouts) for n, c in UPGRADES.items()}
    calls = [upgrade.council_call(w3, deployment.contracts[n].address, new[n]) for n in UPGRADES]
    # no key but the council's time lock may upgrade, nor initialise a contract a second time
    (target, data), stranger = calls[0], Account.create().address
    for key in (deployer.address, stranger):
        refused = error_data("OwnableUnauthorizedAccount(address)", key)
        assert refusal(w3, key, target, data) == refused
    pledge_book = deployment.contracts["PledgeBook"].address
    initialize = error_data("initialize(address)", stranger)  # the same encoding: selector, address
    assert refusal(w3, stranger, pledge_book, initialize) == error_data("InvalidInitialization()")
    by_council(w3, calls, "升级质押登记和结算资金合约 (test)", deployment)
    for name, candidate in UPGRADES.items():
        deployment = upgrade.record(path, w3, name, candidate)
        assert deployment.contracts[name].implementation == new[name] != old[name]

    # the same addresses answer with the new code …
    for name in UPGRADES:
        proxy = w3.eth.contract(
            address=deployment.contracts[name].address, abi=deployment.contracts[name].abi
        )
        assert proxy.functions.codeVersion().call() == 2
    # … and every record reads as before, on chain and in the explorer
    assert records(w3, deployment) == before
    stack.wait_indexed()
    assert explorer_figures(stack) == figures
    assert {p: stack.get(p) for p in PAGES} == pages
    # the demo's actions go on through the upgraded contracts
    pledged = len(before["pledges"])
    load.run(6)
    stack.wait_indexed()
    after = records(w3, deployment)
    assert len(after["pledges"]) > pledged
    assert after["pledges"][:pledged] == before["pledges"]
