"""The demo city's data folder, loaded once per session, and a stack on a copy of it per test."""

from __future__ import annotations

import pytest

from tests.stack.stack import demo_template, session_folder, stack_on_copy


@pytest.fixture(scope="session")
def template(tmp_path_factory):
    """(folder, what its first start printed): shared by the session's test processes."""
    return demo_template(session_folder(tmp_path_factory) / "demo-stack")


@pytest.fixture
def stack(template, tmp_path):
    """``make run``'s stack on a copy of the demo city (not started)."""
    running = stack_on_copy(template[0], tmp_path)
    yield running
    running.ensure_stopped()
