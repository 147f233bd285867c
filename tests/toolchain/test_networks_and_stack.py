"""Project networks and the run command's port checks."""

from __future__ import annotations

import socket

import pytest
import yaml

from backend.stack import processes
from backend.toolchain import networks


def test_network_registration_is_idempotent(tmp_path):
    config = tmp_path / "network-config.yaml"
    config.write_text(yaml.safe_dump({"development": [{"id": "development", "cmd": "anvil"}]}))
    assert networks.ensure({"drr-x": 19999}, config) is True
    assert networks.ensure({"drr-x": 19999}, config) is False
    entries = yaml.safe_load(config.read_text())["development"]
    assert [e["id"] for e in entries] == ["development", "drr-x"]
    assert entries[1]["cmd_settings"]["port"] == 19999
    assert entries[1]["cmd_settings"]["base_fee"] == 0


def test_network_port_change_replaces_the_entry(tmp_path):
    config = tmp_path / "network-config.yaml"
    config.write_text("development: []\n")
    networks.ensure({"drr-x": 19999}, config)
    networks.ensure({"drr-x": 19998}, config)
    entries = yaml.safe_load(config.read_text())["development"]
    assert [e["cmd_settings"]["port"] for e in entries] == [19998]


def test_taken_port_is_refused_with_a_clear_message():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(processes.StackError, match=rf"port {port} .*LOCAL_PORT=<port>"):
            processes.require_free(port, "local chain", "LOCAL_PORT")
    processes.require_free(port, "local chain", "LOCAL_PORT")
