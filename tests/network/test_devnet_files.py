"""What the local validator network is made of, checked without starting it: the genesis, the
dev keys' separation, the Brownie live-network entry and the failover settings."""

from __future__ import annotations

import yaml

from backend.chain.devkeys import DEV_AUTHORITIES, authority_key
from backend.core.config import Settings
from backend.network import devnet
from backend.toolchain import networks


def test_the_genesis_seals_with_clique_on_london_rules_without_shanghai():
    keys = devnet.dev_validator_keys()
    validators = [k.signer_address for k in keys[:3]]
    genesis = devnet.clique_genesis(validators, [authority_key("relayer").address])
    config = genesis["config"]
    assert config["clique"] == {"period": 1, "epoch": 30_000}
    assert config["londonBlock"] == 0 and config["chainId"] == devnet.DEV_NETWORK_CHAIN_ID
    assert not {"shanghaiTime", "cancunTime", "terminalTotalDifficulty"} & set(config)
    extra = bytes.fromhex(genesis["extraData"][2:])
    assert len(extra) == 32 + 3 * 20 + 65
    signers = [extra[32 + 20 * i : 52 + 20 * i] for i in range(3)]
    assert signers == sorted(bytes.fromhex(a[2:]) for a in validators)


def test_validator_node_keys_are_not_authority_accounts():
    """A node's sealing key is kept apart from the authority's account key (docs/operations.md)."""
    node_keys = {k.signer_address for k in devnet.dev_validator_keys()}
    accounts = {authority_key(name).address for name in DEV_AUTHORITIES}
    assert len(node_keys) == 4 and not node_keys & accounts
    assert [k.authority for k in devnet.dev_validator_keys()][:3] == list(devnet.GENESIS_VALIDATORS)


def test_the_live_network_entry_is_registered_once(tmp_path):
    config = tmp_path / "network-config.yaml"
    config.write_text("development: []\nlive: []\n")
    url = "http://127.0.0.1:18603"
    assert networks.ensure_live("drr-geth-18603", url, 20_141, config) is True
    assert networks.ensure_live("drr-geth-18603", url, 20_141, config) is False
    (env,) = yaml.safe_load(config.read_text())["live"]
    assert env["networks"] == [networks.live_network("drr-geth-18603", url, 20_141)]
    assert "cmd" not in env["networks"][0]  # Brownie attaches; it never starts or resets it


def test_rpc_urls_replace_the_single_url(monkeypatch):
    monkeypatch.setenv("DRR_RPC_URLS", "http://a:1, http://b:2")
    monkeypatch.setenv("DRR_VALIDATOR_NODES", '{"0x01": "http://a:1"}')
    settings = Settings(_env_file=None)
    assert settings.rpc_endpoints == ["http://a:1", "http://b:2"]
    assert settings.validator_nodes == {"0x01": "http://a:1"}
    assert Settings(_env_file=None, rpc_urls=[]).rpc_endpoints == [Settings().rpc_url]
