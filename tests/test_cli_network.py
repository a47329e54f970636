"""`qclock network`: GHZ distribution over a GraphML topology, measured on Aer (Kómár et al.)."""

import json
from pathlib import Path

import pytest

from qclock_circuits.cli.main import main
from qclock_circuits.cli.network_cmd import FEEDBACK_MODES, SCHEMES, STRATEGIES
from qclock_circuits.network import FEEDBACK_MODES as LIBRARY_FEEDBACK
from qclock_circuits.network import SCHEMES as LIBRARY_SCHEMES
from qclock_circuits.network import STRATEGIES as LIBRARY_STRATEGIES

NETWORKS = Path(__file__).resolve().parent.parent / "networks"


def test_choices_match_the_library():
    assert tuple(SCHEMES) == tuple(LIBRARY_SCHEMES)
    assert tuple(STRATEGIES) == tuple(LIBRARY_STRATEGIES)
    assert tuple(FEEDBACK_MODES) == tuple(LIBRARY_FEEDBACK)


def test_simulate_the_network_clock(tmp_path, capsys):
    """Kómár et al.'s Sr example (10 clocks × 1000 atoms, ν0 = 429 THz, γ/2π = 1 mHz, pre-narrowed lasers of the same
    linewidth): the quantum network's white level is ≈ 2e-18 at 1 s, below the classical network."""
    from qclock_circuits.network import star_network

    path = tmp_path / "sr.graphml"
    star_network(9, qubits=1000, transition_frequency_hz=429e12, linewidth_hz=1e-3,
                 atom_linewidth_hz=1e-3).save_graphml(path)
    out = tmp_path / "report"
    assert main(["network", "--topology", str(path), "--shots", "0", "--simulate", "--cycles", "4000",
                 "--out", str(out), "--json"]) == 0
    capsys.readouterr()
    report = (out / "report.md").read_text()
    assert "| classical_independent |" in report and (out / "strategies.png").stat().st_size > 0
    levels = {}
    for strategy in ("quantum_network", "classical_network"):
        code = main(["network", "--topology", str(path), "--shots", "0", "--simulate",
                     "--strategy", strategy, "--cycles", "8000", "--seed", "2", "--json"])
        assert code == 0
        data = json.loads(capsys.readouterr().out)
        assert data["source"] == "analytic" and data["qubits"] == 10_000 and data["ghz_fidelity"] == 1.0
        levels[strategy] = data["clock"]["white_level"]
    assert 1e-18 < levels["quantum_network"] < 4e-18
    assert levels["classical_network"] > 1.5 * levels["quantum_network"]


def test_json_contract_and_agreement_with_the_prediction(tmp_path, capsys):
    out = tmp_path / "report"
    code = main(["network", "--topology", str(NETWORKS / "star-4.graphml"), "--fidelity", "0.95",
                 "--shots", "3000", "--seed", "3", "--out", str(out), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert {"qubits", "ghz_fidelity", "parity_contrast"} <= set(data)
    # star of 4 clocks: three Werner links of F = 0.95 from the center, contrast ((4F − 1)/3)^3,
    # fidelity ½[((1 + w)/2)^3 + w^3]
    assert data["nodes"] == 4 and data["epr_pairs"] == 3
    w = (4 * 0.95 - 1) / 3
    assert data["predicted_parity_contrast"] == pytest.approx(w**3)
    assert data["predicted_ghz_fidelity"] == pytest.approx(0.5 * (((1 + w) / 2) ** 3 + w**3))
    assert abs(data["fidelity_z_score"]) < 4 and abs(data["contrast_z_score"]) < 4
    assert json.loads((out / "report.json").read_text())["qubits"] == data["qubits"]
    assert (out / "distribution.qasm").read_text().startswith("OPENQASM 3")


@pytest.mark.parametrize("arguments, message", [
    (["--topology", "missing.graphml"], "no topology file"),
    (["--topology", str(NETWORKS / "star-4.graphml"), "--fidelity", "1.5"], "--fidelity"),
    (["--topology", str(NETWORKS / "star-4.graphml"), "--shots", "-1"], "--shots"),
    (["--topology", str(NETWORKS / "star-4.graphml"), "--scheme", "tree"], "invalid choice"),
])
def test_bad_input_is_one_line(capsys, arguments, message):
    assert main(["network", *arguments]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_malformed_topology_file(tmp_path, capsys):
    bad = tmp_path / "bad.graphml"
    bad.write_text("<graphml><graph edgedefault='undirected'><node id='a'></graph>")
    assert main(["network", "--topology", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "XML" in err and err.count("\n") == 1


def test_security_studies_in_the_report(tmp_path, capsys):
    """--security: sabotage rates agree with the closed forms (appendix B1) and the key hides the feedback (B2)."""
    out = tmp_path / "report"
    assert main(["network", "--topology", str(NETWORKS / "star-4.graphml"), "--shots", "0", "--security",
                 "--out", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    rows = {row["behaviour"]: row for row in data["security"]["sabotage"]}
    for row in rows.values():
        assert abs(row["rate"] - row["analytic"]) < 5 * row["rate_se"] + 1e-4
    assert rows["honest"]["rate"] < 1e-3 < rows["flipped_bits"]["rate"]
    assert abs(data["security"]["eavesdropping"]["key_correlation"]) < 0.1
    assert "## Security" in (out / "report.md").read_text()


@pytest.mark.parametrize("arguments, message", [
    (["--latency", "-1"], "--latency must be a delay in seconds"),
    (["--latency", "soon"], "--latency must be a delay in seconds"),
])
def test_bad_latency_option(capsys, arguments, message):
    code = main(["network", "--topology", str(NETWORKS / "star-4.graphml"), "--shots", "0", "--simulate",
                 *arguments])
    assert code != 0
    assert message in capsys.readouterr().err


@pytest.mark.slow
def test_fig3_in_the_report(tmp_path, capsys):
    from qclock_circuits.network import star_network

    path = tmp_path / "small.graphml"
    star_network(2, qubits=12, transition_frequency_hz=4.29e14, linewidth_hz=1e-2,
                 atom_linewidth_hz=1e-2).save_graphml(path)
    out = tmp_path / "report"
    assert main(["network", "--topology", str(path), "--shots", "0", "--fig3", "--out", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert -1.2 < data["fig3"]["fits"]["slope_a_short"] < -0.8
    assert data["fig3"]["fits"]["ratio_c_over_b_short"] == pytest.approx(3 ** 0.5, rel=0.2)
    assert "## Fig. 3" in (out / "report.md").read_text() and (out / "fig3.png").stat().st_size > 0
