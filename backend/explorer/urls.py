"""Every URL shape of the explorer, in one place (pages, downloads, verify links, the API)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

API = "/api/v1/public"


def _q(path: str, **params: Any) -> str:  # noqa: ANN401
    kept = {k: v for k, v in params.items() if v is not None and v != ""}
    return f"{path}?{urlencode(kept)}" if kept else path


def overview() -> str:
    return "/"


def trades(**filters: Any) -> str:  # noqa: ANN401
    return _q("/trades", **filters)


def allocations(**filters: Any) -> str:  # noqa: ANN401
    return _q("/allocations", **filters)


def market(**filters: Any) -> str:  # noqa: ANN401
    """Primary applications, listings and auction lots; each section pages by its own keys."""
    return _q("/market", **filters)


def reserve(**filters: Any) -> str:  # noqa: ANN401
    return _q("/reserve", **filters)


def caps() -> str:
    return "/caps"


def compliance(**filters: Any) -> str:  # noqa: ANN401
    return _q("/compliance", **filters)


def blacklist() -> str:
    return "/blacklist"


def policy() -> str:
    return "/policy"


def council(**page: Any) -> str:  # noqa: ANN401
    return _q("/council", **page)


def proposal(pid: int) -> str:
    return f"/council/{pid}"


def units(**filters: Any) -> str:  # noqa: ANN401
    return _q("/units", **filters)


def unit(holder: str, **paging: Any) -> str:  # noqa: ANN401
    return _q(f"/units/{holder}", **paging)


def address(value: str, **paging: Any) -> str:  # noqa: ANN401
    """Any address that appears: a unit, an authority, a bank, a contract, an account."""
    return _q(f"/address/{value}", **paging)


def pledges(**filters: Any) -> str:  # noqa: ANN401
    return _q("/pledges", **filters)


def tx(tx_hash: str) -> str:
    return f"/tx/{tx_hash}"


def node_tx(tx_hash: str) -> str:
    """The transaction's receipt as the node answers it (JSON)."""
    return f"/api/v1/tx/{tx_hash}"


def portal() -> str:
    return "/portal"


def console(**params: Any) -> str:  # noqa: ANN401
    """The authority console (``account``: the connected key, whose duties it shows)."""
    return _q("/console", **params)


def oracle_ingest() -> str:
    """Where a verifier uploads monitoring files (the oracle, R-23)."""
    return "/api/v1/oracle/ingest"


def console_functions() -> str:
    """Every contract's state-changing functions (the console's advanced form)."""
    return "/console/functions"


def download(table: str, fmt: str, **filters: Any) -> str:  # noqa: ANN401
    """The whole table (with the page's filters) as CSV or JSON."""
    return _q(f"/download/{table}.{fmt}", **filters)


def verify(figure: str, **key: Any) -> str:  # noqa: ANN401
    """The read endpoint that re-reads a state figure from the chain node (R-37)."""
    return _q(f"{API}/verify/{figure}", **key)


def verify_event(tx_hash: str, pos: int) -> str:
    """The read endpoint that re-reads an event-backed row from its receipt (R-37)."""
    return f"{API}/verify/event/{tx_hash}/{pos & ((1 << 20) - 1)}"


def lang(current_url: str, code: str) -> str:
    """The same page in another language (the choice is kept in a cookie)."""
    from urllib.parse import parse_qsl, urlsplit

    parts = urlsplit(current_url)
    params = [(k, v) for k, v in parse_qsl(parts.query) if k != "lang"] + [("lang", code)]
    return f"{parts.path}?{urlencode(params)}"


def static(name: str) -> str:
    return f"/static/{name}"
