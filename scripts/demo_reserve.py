"""Demo of the government reserve and leasing (SPEC §8, §10). Called at the end of scripts/demo.py.

The treasury funds the reserve; by one regulator council proposal (proposed, approved 2 of 3,
executed after its time lock) a sewage plant's reductions enter it, paid from the reserve fund at
the settled benchmark, and idle free rights are reclaimed; a science demonstration project takes
reserve rights with the reason on chain; a chemical plant leases idle paid COD rights to a
pharmaceutical plant for a year at a rent above the floor (where the city's policy has leasing);
the council schedules a policy change: the green channel's limit lowered to 0.5 t from in 30 days.
"""

from __future__ import annotations

from brownie import (
    GovernmentReserve,
    LeaseBook,
    PolicyBook,
    PriceBook,
    RegulatorCouncil,
    SettlementToken,
    chain,
)

from backend.chain.domain import POLLUTANT_IDS, Origin
from backend.chain.policy import Figure, Switch
from scripts.council import call, enact, jump

YEAR = 365 * 86_400
FACILITY, IDLE = 2, 3  # GovernmentReserve.Source
PRIORITY_PROJECT = 1  # GovernmentReserve.Use


def run(parties, deployment, unit, send, progress) -> None:
    """``unit(name)`` is a demo unit's account; ``send`` sends quietly."""
    c = {name: rec.address for name, rec in deployment.contracts.items()}
    reserve = GovernmentReserve.at(c["GovernmentReserve"])
    leases = LeaseBook.at(c["LeaseBook"])
    money = SettlementToken.at(c["SettlementToken"])
    prices = PriceBook.at(c["PriceBook"])
    regulator, treasury, bank = (
        parties["city_regulator"],
        parties["finance_bureau"],
        parties["settlement_bank"],
    )
    cod = POLLUTANT_IDS["COD"]

    # the treasury's reserve fund (R-29) and the companies' wallet money, issued by the settlement
    # bank against deposits
    send(money.issue, treasury, 300_000_000, b"\x02" * 32, sender=bank)
    send(money.transfer, reserve, 300_000_000, sender=treasury)
    for name in ("西南制药股份",):
        send(money.issue, unit(name), 100_000_000, b"\x03" * 32, sender=bank)
    progress.step("the treasury funds the reserve with 3 000 000 元 (R-29)")

    council = RegulatorCouncil.at(c["RegulatorCouncil"])
    # public money and new rights: a council decision, like a reclaim (docs/security.md)
    facility = call(reserve, "acquireFromFacility", unit("鸡冠石污水处理厂"), cod, 50_000)
    idle = call(reserve, "reclaim", unit("长江化工有限公司"), cod, int(Origin.FREE), 10_000, IDLE,
                "扩建项目取得排污权后5年未开工")  # fmt: skip
    what = "集中式污水处理设施减排量入储；收回闲置排污权（R-27）"
    proposal = enact(council, [facility, idle], what, parties, wait=jump, send=send)
    progress.step(
        "reserve inflows by council proposal "
        f"{proposal} (2 of 3, time-locked): 50 t COD from a sewage plant, paid at the settled "
        "benchmark; 10 t idle rights reclaimed (R-27)"
    )

    buyer = unit("西南制药股份")
    kg = 10_000
    price = prices.quote(cod, 0, kg)
    offer = send(
        reserve.offerRelease,
        buyer,
        cod,
        kg,
        price,
        FACILITY,
        PRIORITY_PROJECT,
        "重大科技示范项目：新型抗体药物中试线",
        sender=regulator,
    ).return_value
    send(money.approve, reserve, price, sender=buyer)
    send(reserve.acceptRelease, offer, sender=buyer)
    progress.step("10 t COD released from the reserve to a science demonstration project (R-28)")

    policy = PolicyBook.at(c["PolicyBook"])
    council = RegulatorCouncil.at(c["RegulatorCouncil"])
    lease_step(policy, leases, money, unit, buyer, cod, send, progress)
    if policy.isOn(int(Switch.GREEN_CHANNEL)):
        effective = chain.time() + 30 * 86_400
        change = call(policy, "schedule", int(Figure.GREEN_CHANNEL_LIMIT_KG), 500, effective)
        pid = enact(
            council, [change], "绿色通道限额调整为0.5吨（R-21）", parties, wait=jump, send=send
        )
        progress.step(f"council proposal {pid}: the green channel's limit becomes 0.5 t in 30 days")
    else:
        progress.step("no green channel in this city's policy (R-21): no limit to change")


def lease_step(policy, leases, money, unit, buyer, cod, send, progress) -> None:
    """R-35: a year's lease of idle paid COD, where the city's policy has leasing."""
    if not policy.isOn(int(Switch.LEASING)):
        progress.step("no leasing in this city's policy (R-35): no lease")
        return
    lessor = unit("长江化工有限公司")
    ends = chain.time() + YEAR
    # at least the benchmark value pro rata of the term (a fifth for a year), here 20 000 元
    rent = max(2_000_000, leases.rentFloor(buyer, cod, 5_000, ends))
    lease = send(leases.offerLease, buyer, cod, 5_000, ends, rent, sender=lessor).return_value
    send(money.approve, leases, rent, sender=buyer)
    send(leases.acceptLease, lease, sender=buyer)
    progress.step(f"5 t COD leased for a year against {rent / 100:,.0f} 元 rent (R-35)")
