"""The storage-layout check of the upgradeable contracts (backend/toolchain/storage_layout.py,
``make lint``): the committed snapshots match the code, and a replacement that would move, retype
or remove a stored variable is refused."""

from __future__ import annotations

import pytest

from backend.toolchain.storage_layout import (
    LayoutError,
    Slot,
    check,
    check_replacement,
    compare,
    compile_layouts,
    load_snapshot,
    product_layouts,
)

BOOK = "struct Book{uint112 available@0:0, uint112 locked@0:14}"
OLD = [
    Slot("_count", 0, 0, "uint256", 1),
    Slot("_flag", 1, 0, "bool", 1),
    Slot("_owner", 1, 1, "address", 1),
    Slot("_books", 2, 0, f"mapping(address => {BOOK})", 1),
    Slot("_pair", 3, 0, "uint256[2]", 2),
]


@pytest.fixture(scope="module")
def layouts():
    return compile_layouts()


def test_every_upgradeable_contract_matches_its_committed_snapshot(layouts):
    product = product_layouts(layouts)
    assert {"AccountRegistry", "PledgeBook", "SettlementToken", "LeaseBook", "RightsLedger",
            "Exchange", "AuctionHouse"} <= set(product)  # fmt: skip
    assert check(product) == []


def test_a_next_version_that_only_adds_code_is_accepted(layouts):
    check_replacement("PledgeBook", "PledgeBookV2", layouts)
    check_replacement("SettlementToken", "SettlementTokenV2", layouts)


def test_a_replacement_that_shifts_the_stored_variables_is_refused(layouts):
    with pytest.raises(LayoutError) as refused:
        check_replacement("PledgeBook", "PledgeBookShifted", layouts)
    stored = load_snapshot("PledgeBook")
    end = max(s.slot + s.slots for s in stored)
    assert f"{stored[0].label} moved from slot 0:0 to 1:0" in refused.value.problems
    assert (
        f"new variable _inserted at slot 0, inside the stored slots (< {end})"
        in refused.value.problems
    )


def test_appending_variables_after_the_last_slot_is_accepted():
    compare("X", OLD, [*OLD, Slot("_new", 5, 0, "uint64", 1)])


@pytest.mark.parametrize(
    ("new", "problem"),
    [
        ([s for s in OLD if s.label != "_flag"], "_flag (slot 1) removed"),
        (
            [Slot("_count", 0, 0, "uint128", 1), *OLD[1:]],
            "_count (slot 0) retyped from uint256 to uint128",
        ),
        (
            [OLD[0], Slot("_flag", 1, 0, "bool", 1), Slot("_owner", 4, 0, "address", 1), *OLD[3:]],
            "_owner moved from slot 1:1 to 4:0",
        ),
        (
            [*OLD[:4], Slot("_pair", 3, 0, "uint256[3]", 3)],
            "_pair (slot 3) retyped from uint256[2] to uint256[3]",
        ),
        (
            [*OLD, Slot("_gap", 4, 0, "uint8", 1)],
            "new variable _gap at slot 4, inside the stored slots (< 5)",
        ),
    ],
    ids=["removed", "retyped", "moved", "array-resized", "inserted"],
)
def test_each_breaking_change_is_refused_with_the_variable_named(new, problem):
    with pytest.raises(LayoutError) as refused:
        compare("X", OLD, new)
    assert problem in refused.value.problems


def test_a_struct_behind_a_mapping_may_grow_at_its_end_only():
    grown = BOOK.replace("}", ", uint32 nonce@0:28}")
    compare("X", OLD, [*OLD[:3], Slot("_books", 2, 0, f"mapping(address => {grown})", 1), OLD[4]])
    reordered = "struct Book{uint112 locked@0:0, uint112 available@0:14}"
    with pytest.raises(LayoutError, match="_books \\(slot 2\\) retyped"):
        compare(
            "X",
            OLD,
            [*OLD[:3], Slot("_books", 2, 0, f"mapping(address => {reordered})", 1), OLD[4]],
        )
