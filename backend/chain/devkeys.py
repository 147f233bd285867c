"""Development keys for the local chain only. NEVER use them on a real network.

The local chain (anvil) is started with the well-known test mnemonic below, so its first
accounts are funded and unlocked. The demo gives each authority and each demo company one of
them. In production every party holds its own key in its own wallet; the service holds none.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_account import Account

DEV_MNEMONIC = "test test test test test test test test test test test junk"

# the chains these keys are for: anvil's default chain id and the local Clique network
# (backend/network/devnet.py; Chongqing's plan, 2014, + 1)
ANVIL_CHAIN_ID = 31337
DEV_NETWORK_CHAIN_ID = 20_141
DEV_CHAIN_IDS = frozenset({ANVIL_CHAIN_ID, DEV_NETWORK_CHAIN_ID})

# index on the dev mnemonic → party; fixed so that demo, tests and docs agree
DEV_AUTHORITIES: dict[str, int] = {
    "city_regulator": 0,
    "exchange_operator": 1,
    "price_bureau": 2,
    "finance_bureau": 3,
    "verifier_a": 4,
    "verifier_b": 5,
    "bank": 6,
    "settlement_bank": 7,
    "district_regulator": 8,
    "relayer": 9,
    # the regulator council (contracts/governance): the bureau's leadership, 2 of 3 approve
    # high-impact actions; the provincial authority may cancel them during their delay
    "council_director": 50,
    "council_deputy_a": 51,
    "council_deputy_b": 52,
    "provincial_authority": 53,
}
COUNCIL_MEMBERS = ("council_director", "council_deputy_a", "council_deputy_b")
# the names the demo city gives its authorities (the deployment record's ``names``)
DEV_NAMES: dict[str, tuple[str, str]] = {
    "city_regulator": ("市生态环境局", "City Ecology and Environment Bureau"),
    "exchange_operator": ("资源与环境交易所", "Resources and Environment Exchange"),
    "price_bureau": ("市发展改革委（价格）", "City Development and Reform Commission (prices)"),
    "finance_bureau": ("市财政局", "City Finance Bureau"),
    "verifier_a": ("第一环境核查机构", "Verifier A"),
    "verifier_b": ("第二环境核查机构", "Verifier B"),
    "bank": ("长江商业银行", "Changjiang Commercial Bank"),
    "settlement_bank": ("交易所结算银行", "Settlement bank of the exchange"),
    "district_regulator": ("渝中区生态环境局", "Yuzhong District Ecology and Environment Bureau"),
    "relayer": ("服务转发账户", "The service's relayer"),
    "council_director": ("局长（委员会）", "Director (council)"),
    "council_deputy_a": ("副局长甲（委员会）", "Deputy director A (council)"),
    "council_deputy_b": ("副局长乙（委员会）", "Deputy director B (council)"),
    "provincial_authority": ("省生态环境厅", "Provincial Department of Ecology and Environment"),
}
FIRST_COMPANY_INDEX = 10

Account.enable_unaudited_hdwallet_features()


@dataclass(frozen=True)
class DevKey:
    """A development key pair derived from ``DEV_MNEMONIC``."""

    index: int
    address: str
    private_key: str


def dev_key(index: int) -> DevKey:
    """The key at ``m/44'/60'/0'/0/index`` of the dev mnemonic."""
    acct = Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")
    return DevKey(index=index, address=acct.address, private_key=acct.key.hex())


def authority_key(party: str) -> DevKey:
    """The dev key of an authority, e.g. ``authority_key("city_regulator")``."""
    return dev_key(DEV_AUTHORITIES[party])
