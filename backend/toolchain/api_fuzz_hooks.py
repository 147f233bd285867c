"""schemathesis hooks of `make api-fuzz` (loaded through ``SCHEMATHESIS_HOOKS`` in ``.venv-fuzz``).

Authority operations simulate their call from the body's ``sender``; a generated address holds no
role, so the contract refuses at once (403) and the fuzzer never reaches the operation's own
checks. ``DRR_FUZZ_SENDERS`` (JSON, written by ``backend.toolchain.api_fuzz``) maps each
operation's path to the local chain's authority accounts that may send it (dev keys of the demo
only). The schema's examples are sent once more from each of those accounts, and generated bodies
draw their ``sender`` from them *or* keep the generated one, so malformed and unauthorised senders
are still sent as before.

Imports only schemathesis and hypothesis: it runs in the fuzzing environment, not the project's.
"""

from __future__ import annotations

import json
import os

import schemathesis
from hypothesis import strategies as st
from schemathesis import Case
from schemathesis.hooks import HookContext

SENDERS: dict[str, list[str]] = json.loads(os.environ.get("DRR_FUZZ_SENDERS", "{}"))


def _senders(context: HookContext) -> list[str]:
    return SENDERS.get(context.operation.path, []) if context.operation is not None else []


@schemathesis.hook
def before_add_examples(context: HookContext, examples: list[Case]) -> None:
    for example in list(examples):
        if isinstance(example.body, dict) and "sender" in example.body:
            for sender in _senders(context):
                copy = example.derive()
                copy.body["sender"] = sender
                examples.append(copy)


@schemathesis.hook
def flatmap_body(context: HookContext, body: object) -> st.SearchStrategy:
    senders = _senders(context)
    if not senders or not isinstance(body, dict) or "sender" not in body:
        return st.just(body)
    return st.sampled_from([body["sender"], *senders]).map(lambda s: {**body, "sender": s})
