"""The city's policy in force and its history, read from the event index (the ``PolicyBook``'s
``PolicyChangeScheduled`` and ``RuleModuleChanged``; docs/registry.md "Policy"). Each change
names its transaction (R-37); a change waiting for its effective time is shown as such."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from backend.chain.policy import Figure, Switch
from backend.indexer import store

YEAR = 365 * 86_400
DAY = 86_400

# (rule, 中文, English)
FIGURES: dict[Figure, tuple[str, str, str]] = {
    Figure.GREEN_CHANNEL_LIMIT_KG: (
        "R-21",
        "绿色通道限额（项目合计少于）",
        "green channel limit (a project's total below)",
    ),
    Figure.LEASE_MAX_TERM_SECONDS: ("R-35", "租赁最长期限", "longest lease term"),
    Figure.PERMIT_VALIDITY_SECONDS: ("R-22", "排污权确权周期", "permit validity (re-confirmation)"),
}
SWITCHES: dict[Switch, tuple[str, str, str]] = {
    Switch.GREEN_CHANNEL: ("R-21", "绿色通道", "green channel"),
    Switch.LEASING: ("R-35", "排污权租赁", "leasing"),
    Switch.PRICE_FLOOR: ("R-15", "成交价不低于基准价", "price floor at the benchmark"),
    Switch.THERMAL_POWER_AIR_BAN: (
        "R-19",
        "火电大气污染物限制",
        "thermal power keeps air pollutants",
    ),
    Switch.INDUSTRY_LIVESTOCK_BAN: (
        "R-20",
        "工业与畜禽养殖不得交易",
        "no industry–livestock trades",
    ),
    Switch.SECTOR_ROLLOUT: ("R-38", "分行业逐步实施", "sector roll-out"),
    Switch.TRADABLE_RECOGNITION: ("R-39", "可交易排污权认定", "tradable recognition"),
    Switch.PARTY_REVIEW: ("R-39", "交易主体资格审查", "trading-party review"),
    Switch.NON_ATTAINMENT_BAN: ("R-18", "不得卖向未达标区域", "no sale into non-attainment areas"),
    Switch.BUY_BACK: ("R-26", "政府回购", "buy-back by the reserve"),
}
ON_OFF = {"zh": ("实行", "不实行"), "en": ("on", "off")}


def _figure_text(figure: Figure, value: int, lang: str) -> str:
    if figure == Figure.GREEN_CHANNEL_LIMIT_KG:
        return f"{value / 1000:g} t" if value else ("无" if lang == "zh" else "none")
    if value % YEAR == 0 and value:
        return f"{value // YEAR} 年" if lang == "zh" else f"{value // YEAR} years"
    return f"{value // DAY} 天" if lang == "zh" else f"{value // DAY} days"


def _switch_text(word: int, lang: str) -> list[tuple[str, str, str]]:
    i = 0 if lang == "zh" else 1
    return [(rule, (zh, en)[i], ON_OFF[lang][0 if word >> s & 1 else 1])
            for s, (rule, zh, en) in SWITCHES.items()]  # fmt: skip


def _ref(rule: str, lang: str) -> str:
    return f"（{rule}）" if lang == "zh" else f" ({rule}) "


def _changes(old: int, new: int, lang: str) -> str:
    i = 0 if lang == "zh" else 1
    parts = [f"{(zh, en)[i]}{_ref(rule, lang)}{ON_OFF[lang][0 if new >> s & 1 else 1]}"
             for s, (rule, zh, en) in SWITCHES.items() if (old ^ new) >> s & 1]  # fmt: skip
    return "；".join(parts) if lang == "zh" else "; ".join(parts)


def policy(conn: Connection, now: int, lang: str) -> dict[str, Any]:
    """``in_force``: each switch and figure now, with a pending change; ``modules``: the rule
    modules attached; ``history``: every change, newest first, with its transaction; a change
    replaced by a later one of the same figure before its effective time is ``superseded`` (it
    never took effect)."""
    e = store.events.c
    rows = conn.execute(
        select(e.event, e.args, e.block_timestamp, e.tx_hash)
        .where(e.contract == "PolicyBook")
        .order_by(e.block_number, e.log_index)
    ).all()
    last: dict[Figure, dict] = {}
    entries: dict[Figure, dict] = {}  # each figure's latest history entry
    modules: dict[str, str] = {}
    history = []
    i = 0 if lang == "zh" else 1
    for event, args, stamp, tx in rows:
        if event == "RuleModuleChanged":
            if args["attached"]:
                modules[args["module"]] = args["ruleId"]
            else:
                modules.pop(args["module"], None)
            verb = ("增设规则", "rule added") if args["attached"] else ("撤销规则", "rule removed")
            history.append({"at": stamp, "what": f"{verb[i]} {args['ruleId']}", "effective": stamp,
                            "tx": tx, "initial": False})  # fmt: skip
            continue
        if event != "PolicyChangeScheduled":
            continue
        figure = Figure(int(args["figure"]))
        old, new, effective = int(args["oldValue"]), int(args["newValue"]), int(args["effectiveAt"])
        initial = figure not in last
        replaced = entries.get(figure)
        if replaced is not None and replaced["effective"] > stamp:
            replaced["superseded"], replaced["pending"] = True, False
        last[figure] = {"old": old, "new": new, "effective": effective}
        if figure == Figure.SWITCHES:
            what = (
                ("本市政策载入", "the city's policy loaded")[i]
                if initial
                else _changes(old, new, lang)
            )
        else:
            rule, zh, en = FIGURES[figure]
            text = (zh, en)[i]
            colon = "：" if lang == "zh" else ": "
            what = (f"{text}{_ref(rule, lang).rstrip()}{colon}{_figure_text(figure, old, lang)} → "
                    f"{_figure_text(figure, new, lang)}")  # fmt: skip
        if initial and figure != Figure.SWITCHES:
            continue  # the deployment's figures are one entry: "the city's policy loaded"
        entries[figure] = {"at": stamp, "what": what, "effective": effective, "tx": tx,
                           "pending": effective > now, "initial": initial}  # fmt: skip
        history.append(entries[figure])
    in_force = []
    for figure, s in last.items():
        value = s["new"] if s["effective"] <= now else s["old"]
        pending = s["effective"] > now
        if figure == Figure.SWITCHES:
            for rule, name, state in _switch_text(value, lang):
                in_force.append({"rule": rule, "name": name, "value": state, "next": None})
            if pending:
                in_force.append({"rule": "", "name": _changes(value, s["new"], lang),
                                 "value": "", "next": s["effective"]})  # fmt: skip
            continue
        rule, zh, en = FIGURES[figure]
        in_force.append({
            "rule": rule, "name": (zh, en)[i], "value": _figure_text(figure, value, lang),
            "next": s["effective"] if pending else None,
            "next_value": _figure_text(figure, s["new"], lang) if pending else None,
        })  # fmt: skip
    return {"in_force": in_force, "modules": modules, "history": history[::-1]}
