"""Refusals in words (backend/services/explain.py): the verdict's values by name and type,
figures in t with kg precision, 元 and Beijing time, and what a holder can sell now with the
rule for each part of the rest (R-05, R-06, R-07, R-17, R-39)."""

import pytest

from backend.chain.domain import MarketReason, Reason
from backend.services import explain

CHEM = "0xBcd4042DE499D14e55001CcbB24a551F3b954096"
POWER = "0x71bE63f3384f5fb98995898A86B02Fb2426c5788"


def test_quantities_money_and_time_are_written_for_people():
    assert explain.tonnes(12_345) == "12.345 t"
    assert explain.tonnes(5_000) == "5 t"
    assert explain.tonnes(1_234_567_001) == "1,234,567.001 t"
    assert explain.tonnes(500) == "0.5 t"
    assert explain.yuan(123_456_789) == "1,234,567.89 元"
    assert explain.beijing(0) == "—"
    assert explain.beijing(1_700_000_000) == "2023-11-15 06:13 (北京时间)"


def test_a_verdict_about_parties_names_them_as_addresses_R19():
    args = explain.rule_args(int(Reason.THERMAL_POWER_AIR_POLLUTANT), int(CHEM, 16), int(POWER, 16))
    assert args == {"seller": CHEM, "buyer": POWER}
    market = explain.verdict_args(int(MarketReason.INSUFFICIENT_FUNDS), 0, 10, 20)
    assert market == {"availableFen": 10, "neededFen": 20}


@pytest.mark.parametrize(
    ("figures", "flags", "kg", "held"),
    [
        ({"paid": 10_000, "free": 2_000, "waived": 3_000, "pledged": 4_000, "permitted": 0,
          "tradable": 10_000}, {}, 6_000, [(5_000, "not_paid"), (4_000, "pledged")]),
        ({"paid": 10_000, "free": 0, "waived": 0, "pledged": 0, "permitted": 8_000,
          "tradable": 10_000}, {"permit_valid": True}, 2_000, [(8_000, "permit_floor")]),
        ({"paid": 10_000, "free": 0, "waived": 0, "pledged": 0, "permitted": 0,
          "tradable": 1_000}, {}, 1_000, [(9_000, "not_certified")]),
        ({"paid": 10_000, "free": 0, "waived": 0, "pledged": 0, "permitted": 0,
          "tradable": 10_000}, {"qualified": False}, 0, [(10_000, "not_qualified")]),
        ({"paid": 10_000, "free": 0, "waived": 0, "pledged": 0, "permitted": 0,
          "tradable": 0}, {"government": True}, 10_000, []),
    ],
)  # fmt: skip
def test_what_can_be_sold_now_and_why_not_the_rest_R05_R06_R07_R39(figures, flags, kg, held):
    found = explain.sellable(figures, **{"permit_valid": False, **flags})
    assert (found.kg, found.held_back) == (kg, held)


def test_a_shortage_is_explained_with_the_figures_and_the_rest():
    shortage = explain.sellable(
        {"paid": 5_000, "free": 0, "waived": 7_000, "pledged": 0, "permitted": 0,
         "tradable": 5_000}, permit_valid=False,
    )  # fmt: skip
    said = explain.describe(
        "LedgerInsufficientRights", {"availableKg": 5_000, "neededKg": 6_000},
        default=("规则不允许", "refused"), held_back=shortage,
    )  # fmt: skip
    assert "可用 5 t，需要 6 t" in said.zh and "可出售 5 t" in said.zh and "7 t" in said.zh
    assert "R-05" in said.en and "5 t available, 6 t needed" in said.en
    named = explain.describe(
        "LedgerIndustryLivestock", {"seller": CHEM, "buyer": POWER}, default=("", ""),
        names={CHEM: "长江化工有限公司"},
    )  # fmt: skip
    assert "长江化工有限公司" in named.zh and "0x71bE63…5788" in named.zh
