"""Figures signed by each verifier's own key and posted exactly once (R-23)."""

from __future__ import annotations

import brownie

from backend.oracle.store import CONFIRMED, CONFLICT, REFUSED
from tests.backend.oracle.conftest import (
    CHEM,
    EXPECTED_CHEM_KG,
    EXPECTED_POWER_KG,
    PERIOD,
    chem_rows,
    ingest_dir,
    make_context,
    write_csv,
)
from tests.helpers import reverts

WINDOW = 7 * 24 * 3600


def on_chain(oracle_contract, report, verifier):
    """(kg, evidence) this verifier has on chain for each figure of an ingest report."""
    result = {}
    for f in report.figures:
        attestation = oracle_contract.attestation_of(f.unit, f.pollutant_id, PERIOD, verifier)
        result[(f.credit_code, f.pollutant_id)] = (
            (attestation.kg, attestation.evidence) if attestation else None
        )
    return result


def test_ingest_and_post_puts_each_figure_on_chain_R23(
    ctx, monitoring_dir, make_poster, oracle_contract, parties
):
    """R-23: every accepted figure is attested on chain with its kg and evidence hash."""
    report = ingest_dir(monitoring_dir, ctx)
    assert report.ok and len(report.figures) == 5
    posted = make_poster("verifier_a").post(period=PERIOD)
    assert posted.sent == 5
    assert posted.count(CONFIRMED) == 5
    verifier = parties["verifier_a"].address
    assert on_chain(oracle_contract, report, verifier) == {
        (f.credit_code, f.pollutant_id): (f.kg, f.evidence) for f in report.figures
    }
    assert {(f.credit_code, f.pollutant_id): f.kg for f in report.figures} == {
        **{(CHEM, p): kg for p, kg in EXPECTED_CHEM_KG.items()},
        **{("91500000TEST0002BB", p): kg for p, kg in EXPECTED_POWER_KG.items()},
    }


def test_rerun_posts_nothing_twice_R23(ctx, monitoring_dir, make_poster, chain, parties):
    """R-23: ingesting and posting the same data again sends no transaction."""
    ingest_dir(monitoring_dir, ctx)
    make_poster("verifier_a").post(period=PERIOD)
    sent_before = chain.w3.eth.get_transaction_count(parties["verifier_a"].address)
    ingest_dir(monitoring_dir, ctx)
    again = make_poster("verifier_a").post(period=PERIOD)
    assert again.sent == 0
    assert again.count(CONFIRMED) == 5
    assert {o.message for o in again.outcomes} == {"already on chain"}
    assert chain.w3.eth.get_transaction_count(parties["verifier_a"].address) == sent_before


def test_two_verifiers_reach_quorum_and_figures_become_final_R23(
    oracle_settings, monitoring_dir, make_poster, oracle, tmp_path
):
    """R-23: two independent verifiers, each with its own store and key, agree: final after
    the dispute window. They attest the same evidence hash, computed from the same files."""
    ctx_a = make_context(oracle_settings)
    ctx_b = make_context(
        oracle_settings.model_copy(
            update={
                "oracle_database_url": f"sqlite:///{tmp_path / 'b.db'}",
                "oracle_evidence_dir": tmp_path / "evidence_b",
            }
        )
    )
    report_a = ingest_dir(monitoring_dir, ctx_a)
    renamed = tmp_path / "b_inbox"
    for path in monitoring_dir.iterdir():  # verifier B holds the same files under other names
        (renamed / f"platform_export_{path.name}").parent.mkdir(exist_ok=True)
        (renamed / f"platform_export_{path.name}").write_bytes(path.read_bytes())
    report_b = ingest_dir(renamed, ctx_b)
    assert [f.evidence for f in report_a.figures] == [f.evidence for f in report_b.figures]

    make_poster("verifier_a", context=ctx_a).post(period=PERIOD)
    figure = report_a.figures[0]
    assert tuple(oracle.finalUsage(figure.unit, figure.pollutant_id, PERIOD)) == (False, 0)
    make_poster("verifier_b", context=ctx_b).post(period=PERIOD)
    assert oracle.figure(figure.unit, figure.pollutant_id, PERIOD)["status"] == 2  # disputable
    brownie.chain.sleep(WINDOW)
    brownie.chain.mine()
    for f in report_a.figures:
        assert tuple(oracle.finalUsage(f.unit, f.pollutant_id, PERIOD)) == (True, f.kg)


def test_one_verifier_is_no_quorum_R23(ctx, monitoring_dir, make_poster, oracle):
    """R-23: with a 2-of-2 quorum one verifier's figures never become final on their own."""
    report = ingest_dir(monitoring_dir, ctx)
    make_poster("verifier_a").post(period=PERIOD)
    brownie.chain.sleep(3 * WINDOW)
    brownie.chain.mine()
    for f in report.figures:
        assert oracle.figure(f.unit, f.pollutant_id, PERIOD)["status"] == 1  # open
        assert tuple(oracle.finalUsage(f.unit, f.pollutant_id, PERIOD)) == (False, 0)


def test_disagreeing_verifiers_resolved_by_regulator_R23(
    oracle_settings, monitoring_dir, make_poster, oracle, regulator, tmp_path
):
    """R-23: verifiers that compute different kg do not agree, and no regulator makes the figure
    final alone (a correction needs the quorum first); verifier B re-reads its meter and revises,
    the quorum agrees, and the regulator may then correct during the dispute window."""
    ctx_a = make_context(oracle_settings)
    ctx_b = make_context(oracle_settings.model_copy(
        update={"oracle_database_url": f"sqlite:///{tmp_path / 'b.db'}"}))  # fmt: skip
    ingest_dir(monitoring_dir, ctx_a)
    other = tmp_path / "other"
    rows = chem_rows()
    rows[0]["concentration"] = "550.00"  # B's data differs in one COD hour: +20 kg
    write_csv(other / "chem.csv", rows)
    report_b = ingest_dir(other, ctx_b)
    make_poster("verifier_a", context=ctx_a).post(period=PERIOD)
    make_poster("verifier_b", context=ctx_b).post(period=PERIOD)
    cod = next(f for f in report_b.figures if f.pollutant == "COD")
    nh3n = next(f for f in report_b.figures if f.pollutant == "NH3-N")
    assert oracle.figure(cod.unit, 1, PERIOD)["status"] == 1  # open: 96 kg against 116 kg
    assert oracle.figure(nh3n.unit, 2, PERIOD)["status"] == 2  # agreed
    with reverts("OracleQuorumNotReached", cod.unit, 1, PERIOD, 1, 2):
        oracle.correct(cod.unit, 1, PERIOD, 96, "0x" + cod.evidence, "B's COD meter was mis-read",
                       {"from": regulator})  # fmt: skip
    write_csv(other / "chem.csv", chem_rows())  # B's meter re-read: the same data as A's
    ingest_dir(other, ctx_b)
    make_poster("verifier_b", context=ctx_b).post(period=PERIOD, revise=True)
    assert oracle.figure(cod.unit, 1, PERIOD)["status"] == 2  # agreed on 96 kg
    oracle.correct(cod.unit, 1, PERIOD, 95, "0x" + cod.evidence, "复核：一小时数据重复计入",
                   {"from": regulator})  # fmt: skip
    assert tuple(oracle.finalUsage(cod.unit, 1, PERIOD)) == (True, 95)


def test_changed_data_is_a_conflict_unless_revised_R23(
    ctx, monitoring_dir, make_poster, oracle_contract, parties, tmp_path
):
    """R-23: a different figure for data already attested is not posted silently; --revise
    replaces the attestation while no quorum has agreed."""
    ingest_dir(monitoring_dir, ctx)
    make_poster("verifier_a").post(period=PERIOD)
    rows = chem_rows()
    rows[1]["concentration"] = "150.00"  # corrected meter reading: +4 kg COD
    write_csv(monitoring_dir / "chem.csv", rows)
    report = ingest_dir(monitoring_dir, ctx)
    cod = next(f for f in report.figures if f.pollutant == "COD")
    assert cod.kg == 100
    verifier = parties["verifier_a"].address
    result = make_poster("verifier_a").post(period=PERIOD)
    assert result.sent == 0
    conflict = next(o for o in result.outcomes if o.pollutant == 1)
    assert conflict.state == CONFLICT and "rerun with --revise" in conflict.message
    assert oracle_contract.attestation_of(cod.unit, 1, PERIOD, verifier).kg == 96
    revised = make_poster("verifier_a").post(period=PERIOD, revise=True)
    assert revised.sent == 1  # NH3-N and SO2 keep their kg: not posted again
    unchanged = next(o for o in revised.outcomes if o.pollutant == 2)
    assert unchanged.message.startswith("already on chain (with the evidence of an earlier")
    assert oracle_contract.attestation_of(cod.unit, 1, PERIOD, verifier).kg == 100
    assert len(oracle_contract.attestations(cod.unit, 1, PERIOD)) == 2  # both kept on chain


def test_agreed_figure_cannot_be_revised_by_the_service_R23(
    ctx, monitoring_dir, make_poster, oracle, tmp_path, oracle_settings
):
    """R-23: once the quorum agreed, the service reports a differing figure as refused."""
    ingest_dir(monitoring_dir, ctx)
    make_poster("verifier_a").post(period=PERIOD)
    ctx_b = make_context(oracle_settings.model_copy(
        update={"oracle_database_url": f"sqlite:///{tmp_path / 'b.db'}"}))  # fmt: skip
    ingest_dir(monitoring_dir, ctx_b)
    make_poster("verifier_b", context=ctx_b).post(period=PERIOD)
    rows = chem_rows()
    rows[1]["concentration"] = "150.00"
    write_csv(monitoring_dir / "chem.csv", rows)
    ingest_dir(monitoring_dir, ctx)
    result = make_poster("verifier_a").post(period=PERIOD, revise=True)
    refused = next(o for o in result.outcomes if o.pollutant == 1)
    assert refused.state == REFUSED
    assert "only the regulator can correct it" in refused.message
    assert result.sent == 0


def test_final_figure_refused_R23(
    ctx, monitoring_dir, make_poster, oracle, oracle_settings, tmp_path, regulator, parties
):
    """R-23: a final figure is final; the service does not try to post to it."""
    ingest_dir(monitoring_dir, ctx)
    ctx_b = make_context(oracle_settings.model_copy(
        update={"oracle_database_url": f"sqlite:///{tmp_path / 'b.db'}"}))  # fmt: skip
    ingest_dir(monitoring_dir, ctx_b)
    make_poster("verifier_a").post(period=PERIOD)
    make_poster("verifier_b", context=ctx_b).post(period=PERIOD)
    brownie.chain.sleep(WINDOW)
    brownie.chain.mine()
    # a third verifier comes late: the bank's dev key, made a verifier for this test
    oracle.grantRole(oracle.VERIFIER_ROLE(), parties["bank"], {"from": regulator})
    ctx_c = make_context(oracle_settings.model_copy(
        update={"oracle_database_url": f"sqlite:///{tmp_path / 'c.db'}"}))  # fmt: skip
    ingest_dir(monitoring_dir, ctx_c)
    result = make_poster("bank", context=ctx_c).post(period=PERIOD)
    assert result.sent == 0
    assert {o.state for o in result.outcomes} == {REFUSED}
    assert all("figure is final on chain" in o.message for o in result.outcomes)


def test_non_verifier_key_refused_R23(ctx, monitoring_dir, make_poster, oracle_contract, parties):
    """R-23: a key without VERIFIER_ROLE gets nothing on chain; the refusal names the rule."""
    report = ingest_dir(monitoring_dir, ctx)
    result = make_poster("bank").post(period=PERIOD)
    assert result.sent == 0
    assert {o.state for o in result.outcomes} == {REFUSED}
    assert all("AccessControlUnauthorizedAccount" in o.message for o in result.outcomes)
    bank = parties["bank"].address
    assert on_chain(oracle_contract, report, bank) == {
        (f.credit_code, f.pollutant_id): None for f in report.figures
    }


def test_relayer_submits_what_the_verifier_signed_R23(
    ctx, monitoring_dir, make_poster, oracle_contract, chain, parties
):
    """R-23: the relayer pays for the transactions; the attestations are the verifier's."""
    report = ingest_dir(monitoring_dir, ctx)
    verifier, relayer = parties["verifier_a"].address, parties["relayer"].address
    verifier_nonce = chain.w3.eth.get_transaction_count(verifier)
    result = make_poster("verifier_a", sender="relayer").post(period=PERIOD)
    assert result.count(CONFIRMED) == 5
    assert chain.w3.eth.get_transaction_count(verifier) == verifier_nonce
    tx = chain.w3.eth.get_transaction(result.outcomes[0].tx_hash)
    assert tx["from"] == relayer
    assert on_chain(oracle_contract, report, verifier)[(CHEM, 1)][0] == EXPECTED_CHEM_KG[1]
