"""City policy profiles (policy/*.json, docs/registry.md "Policy"): both ship, both deploy, and
every rule that differs between them is allowed under one and refused under the other, with the
exact error. The deployment fixture is parametrised: each test runs under both profiles."""

import json

import pytest

from backend.chain.domain import Op, Origin, Reason, Sector, TradeMode
from backend.chain.policy import POLICY_DIR, Figure, Profile, Switch, available, load
from scripts.deploy import deploy_regulator_alone
from tests.conftest import BENCHMARKS
from tests.helpers import fen_at_benchmark, movement, plain, reverts

COD_PRICE = BENCHMARKS["COD"]
CHONGQING, SHIJIAZHUANG = "chongqing-2014", "shijiazhuang-2023"


@pytest.fixture(scope="module", params=[CHONGQING, SHIJIAZHUANG])
def profile(request):
    return load(request.param)


@pytest.fixture(scope="module")
def deployment(parties, profile):
    """The test deployment (conftest's) under each city's profile."""
    return deploy_regulator_alone(parties, policy=profile.id)


@pytest.fixture(scope="module")
def market(city, ledger, registry, exchange, regulator):
    """Paid COD for the chemical plant and the reserve; nobody qualified or certified (R-39)."""
    cod = city.pollutant["COD"]
    for unit in (city.chem, city.reserve):
        ledger.allocate(unit, cod, int(Origin.PAID), 20_000, {"from": exchange})
    return city


def trade(ledger, exchange, frm, to, kg, mode=TradeMode.NEGOTIATED, pollutant=1):
    price = fen_at_benchmark(kg, COD_PRICE)
    return ledger.trade(frm, to, pollutant, kg, price, int(mode), {"from": exchange})


def allowed_or_refused(ledger, allowed: bool, m, reason, error, *args, act):
    """Allowed: the pre-check says Ok and ``act`` succeeds. Refused: the pre-check names
    ``reason`` and ``act`` reverts with ``error(*args)``."""
    if allowed:
        assert plain(ledger.check(m))[0] == Reason.OK
        act()
    else:
        assert plain(ledger.check(m))[0] == reason
        with reverts(error, *args):
            act()


# ------------------------------------------------------------------ the files


def test_both_profiles_ship_and_validate():
    assert {CHONGQING, SHIJIAZHUANG} <= set(available())
    for name in (CHONGQING, SHIJIAZHUANG):
        p = load(name)
        assert p.id == name
        entries = [*p.switches.values(), *p.figures.values(), *p.process.values()]
        for entry in entries:
            assert entry.rule.startswith("R-") and entry.source  # every figure has its seed source


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["switches"].pop("leasing"),  # a switch missing
        lambda d: d["figures"].update(extra=d["figures"]["green_channel_limit_kg"]),  # unknown
        lambda d: d["figures"]["green_channel_limit_kg"].update(value=-1),  # out of uint64
        lambda d: d["switches"]["leasing"].pop("source"),  # no seed source
    ],
)
def test_a_malformed_profile_is_refused(change):
    data = json.loads((POLICY_DIR / f"{SHIJIAZHUANG}.json").read_text(encoding="utf-8"))
    change(data)
    with pytest.raises(ValueError):
        Profile.model_validate(data)


def test_an_unknown_profile_name_is_refused():
    with pytest.raises(ValueError, match="no policy profile 'atlantis'"):
        load("atlantis")


def test_the_profiles_differ_where_the_plans_do():
    """Chongqing 2014: no green channel, no leasing, no recognition step, sector roll-out;
    Shijiazhuang 2023: the green channel (< 1 t), leasing, recognition and party review."""
    cq, sjz = load(CHONGQING), load(SHIJIAZHUANG)
    differ = {s for s in Switch if cq.is_on(s) != sjz.is_on(s)}
    assert differ == {
        Switch.GREEN_CHANNEL,
        Switch.LEASING,
        Switch.SECTOR_ROLLOUT,
        Switch.TRADABLE_RECOGNITION,
        Switch.PARTY_REVIEW,
    }
    assert all(sjz.is_on(s) for s in differ - {Switch.SECTOR_ROLLOUT})
    assert sjz.figures["green_channel_limit_kg"].value == 1_000


# ------------------------------------------------------------------ on chain


def test_the_policy_book_holds_the_profile(policy, profile):
    for figure, value in zip(Figure, profile.figures_on_chain(), strict=True):
        assert policy.figure(int(figure)) == value
    for rule in Switch:
        assert policy.isOn(int(rule)) == profile.is_on(rule)


def test_green_channel_R21(ledger, exchange, market, profile):
    price = fen_at_benchmark(500, COD_PRICE)
    m = movement(Op.TRADE, market.reserve, market.hotel, 1, 500, price, TradeMode.GREEN_CHANNEL)
    allowed_or_refused(
        ledger,
        profile.is_on(Switch.GREEN_CHANNEL),
        m,
        Reason.NOT_IN_POLICY,
        "LedgerNotInPolicy",
        int(Switch.GREEN_CHANNEL),
        act=lambda: trade(
            ledger, exchange, market.reserve, market.hotel, 500, TradeMode.GREEN_CHANNEL
        ),
    )


def test_leasing_R35(ledger, market, regulator, profile):
    ledger.grantRole(ledger.LEASING_ROLE(), regulator, {"from": regulator})
    m = movement(Op.LEASE_OUT, market.chem, market.steel, 1, 2_000)
    allowed_or_refused(
        ledger,
        profile.is_on(Switch.LEASING),
        m,
        Reason.NOT_IN_POLICY,
        "LedgerNotInPolicy",
        int(Switch.LEASING),
        act=lambda: ledger.lease(market.chem, market.steel, 1, 2_000, {"from": regulator}),
    )


def test_sector_roll_out_R38(ledger, exchange, registry, regulator, market, profile):
    """A service-sector buyer while its sector is not enabled (seed 000 九)."""
    registry.setSectorEnabled(int(Sector.SERVICE), False, {"from": regulator})
    registry.setQualifiedSeller(market.chem, True, {"from": regulator})
    ledger.certifyTradable(market.chem, 1, 1_000, {"from": regulator})
    m = movement(Op.TRADE, market.chem, market.hotel, 1, 1_000, fen_at_benchmark(1_000, COD_PRICE))
    allowed_or_refused(
        ledger,
        not profile.is_on(Switch.SECTOR_ROLLOUT),
        m,
        Reason.SECTOR_NOT_ENABLED,
        "LedgerSectorNotEnabled",
        market.hotel,
        int(Sector.SERVICE),
        act=lambda: trade(ledger, exchange, market.chem, market.hotel, 1_000),
    )


def test_tradable_recognition_R39(ledger, exchange, registry, regulator, market, profile):
    """A qualified seller with nothing recognised as tradable."""
    registry.setQualifiedSeller(market.chem, True, {"from": regulator})
    m = movement(Op.TRADE, market.chem, market.steel, 1, 1_000, fen_at_benchmark(1_000, COD_PRICE))
    allowed_or_refused(
        ledger,
        not profile.is_on(Switch.TRADABLE_RECOGNITION),
        m,
        Reason.NOT_CERTIFIED_TRADABLE,
        "LedgerNotCertifiedTradable",
        market.chem,
        1,
        1_000,
        0,
        act=lambda: trade(ledger, exchange, market.chem, market.steel, 1_000),
    )


def test_party_review_R39(ledger, exchange, regulator, market, profile):
    """A seller with a recognised quantity who has not passed the party review."""
    ledger.certifyTradable(market.chem, 1, 1_000, {"from": regulator})
    m = movement(Op.TRADE, market.chem, market.steel, 1, 1_000, fen_at_benchmark(1_000, COD_PRICE))
    allowed_or_refused(
        ledger,
        not profile.is_on(Switch.PARTY_REVIEW),
        m,
        Reason.SELLER_NOT_QUALIFIED,
        "LedgerSellerNotQualified",
        market.chem,
        act=lambda: trade(ledger, exchange, market.chem, market.steel, 1_000),
    )
