"""The explorer's /policy page (docs/registry.md "Policy"): the policy in force, a change waiting
for its effective time, the history with each change's transaction, Chinese first with the
English switch, no wider than a phone's screen allows (no fixed widths)."""

from __future__ import annotations

import html
import re

import pytest
from brownie import web3

from backend.chain.policy import Figure, Switch
from tests.backend.disclosure_city import served


@pytest.fixture(scope="module")
def changed(deployment, regulator):
    """The green channel lowered to 0.8 t from in an hour, then (before that hour) to 0.5 t instead;
    leasing turned off now (the test deployment's regulator holds the council's role on the
    policy book)."""
    from brownie import PolicyBook

    policy = PolicyBook.at(deployment.contracts["PolicyBook"].address)
    now = web3.eth.get_block("latest").timestamp
    first = policy.schedule(
        int(Figure.GREEN_CHANNEL_LIMIT_KG), 800, now + 3_600, {"from": regulator}
    )
    lower = policy.schedule(
        int(Figure.GREEN_CHANNEL_LIMIT_KG), 500, now + 3_600, {"from": regulator}
    )
    off = policy.scheduleSwitch(int(Switch.LEASING), False, 0, {"from": regulator})  # at once
    return lower.txid, off.txid, first.txid


@pytest.fixture(scope="module")
def site(changed, deployment, tmp_path_factory, rpc_url):
    with served(deployment, rpc_url, tmp_path_factory.mktemp("policy")) as client:
        yield client


def _cells(row: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", row)))


def _main(page: str) -> str:
    body = page.split('<main id="main">', 1)[1].split("</main>", 1)[0]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def test_the_policy_in_force_and_its_history_with_transactions(site, changed):
    lower, off, first = changed
    page = site.get("/policy", params={"lang": "zh"})
    assert page.status_code == 200
    text = _main(page.text)
    assert "本市排污权交易政策" in text
    # in force now: the green channel at 1 t until its time, leasing already off
    assert "绿色通道限额（项目合计少于） 1 t 0.5 t" in text
    assert "排污权租赁 不实行" in text and "交易主体资格审查 不实行" not in text
    # the history: both changes with their transactions, the profile loaded at deployment
    assert "绿色通道限额（项目合计少于）（R-21）：1 t → 0.5 t" in text
    assert "排污权租赁（R-35）不实行" in text and "本市政策载入" in text
    # the change replaced before its time is marked so; the one that replaced it waits
    rows = page.text.split('id="policy-history"', 1)[1].split("</table>", 1)[0].split("<tr>")[2:]
    replaced = next(row for row in rows if "1 t → 0.8 t" in _cells(row))
    assert "生效前已被后一项变更取代" in _cells(replaced) and f"/tx/{first}" in replaced
    waiting = next(row for row in rows if "1 t → 0.5 t" in _cells(row))
    assert "待生效" in _cells(waiting) and "取代" not in _cells(waiting)
    for tx in (lower, off, first):
        assert f"/tx/{tx}" in page.text
    english = _main(site.get("/policy", params={"lang": "en"}).text)
    assert "green channel limit (a project's total below) (R-21): 1 t → 0.5 t" in english
    assert "replaced by a later change before it took effect" in english
    assert "leasing (R-35) off" in english
    assert 'style="width' not in page.text  # nothing wider than the page (390 px phones)
