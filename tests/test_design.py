"""The design study: run_design, its files, resuming, and `qclock design` (Kielinski & Hammerer sec. III–V)."""

import json
import subprocess
import sys

import numpy as np
import pytest
from qiskit import qasm3
from qiskit.quantum_info import Statevector

from qclock_circuits._validation import QClockError
from qclock_circuits.cli.main import main
from qclock_circuits.protocols import RamseyProtocol
from qclock_circuits.report import DesignResult, DesignSpec, run_design, write_design

TIMES = tuple(np.geomspace(0.02, 0.8, 5))


@pytest.fixture(scope="module")
def small_design(tmp_path_factory):
    out = tmp_path_factory.mktemp("design")
    spec = DesignSpec(atoms=3, dead_time=0.05, classes=("css", "sss", "1-1"), interrogation_times=TIMES,
                      simulate=True, simulation_cycles=4000, simulation_runs=2, max_critical_atoms=64,
                      coherence_time=2.0, transition_frequency=1.121e15, seed=1)
    result = run_design(spec, out, backend="serial")
    files = write_design(result, out)
    return spec, result, files, out


def test_spec_rejects_bad_input():
    with pytest.raises(QClockError, match="protocol class"):
        DesignSpec(atoms=4, classes=("css", "squeezed"))
    with pytest.raises(QClockError, match="atoms"):
        DesignSpec(atoms=0)
    with pytest.raises(QClockError, match="dead_time"):
        DesignSpec(atoms=4, dead_time=-0.1)
    with pytest.raises(QClockError, match="bound"):
        DesignSpec(atoms=4, classes=("css", "oqi"))
    with pytest.raises(QClockError, match="repeat"):
        DesignSpec(atoms=4, classes=("css", "css"))
    with pytest.raises(QClockError, match="interrogation_times"):
        DesignSpec(atoms=4, interrogation_times=(0.2, 0.1))
    with pytest.raises(QClockError, match="coherence_time"):
        DesignSpec(atoms=4, coherence_time=-2.0)
    spec = DesignSpec(atoms=4, classes=("css", "1-2"))
    assert DesignSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec


def test_design_files_and_numbers(small_design):
    spec, result, files, out = small_design
    for name in ("report", "results", "stability", "signal", "qasm", "qasm_ion_trap"):
        assert (out / files[name]).stat().st_size > 0
    data = json.loads((out / "results.json").read_text())
    again = DesignResult.from_dict(data)
    assert again.summary() == result.summary()
    rows = {row["class"]: row for row in result.summary()}
    # the OQI bounds every protocol at every T; the table's ratios follow from the minima
    for name in spec.classes:
        for point, bound in zip(result.curve(name), result.curve("oqi")):
            assert point.sigma >= bound.sigma * (1 - 1e-6)
        assert rows[name]["ratio_to_oqi"] >= 1 - 1e-6
    assert rows["css"]["gain_over_css"] == pytest.approx(1.0)
    assert rows["sss"]["gain_over_css"] == pytest.approx(rows["css"]["sigma_min"] / rows["sss"]["sigma_min"])
    # physical units: T in s, σ_y(1 s) = σ/(ω0 √Z)
    assert rows["css"]["t_min_seconds"] == pytest.approx(2.0 * rows["css"]["t_min"])
    assert rows["css"]["sigma_y_1s"] == pytest.approx(rows["css"]["sigma_min"] / (2 * np.pi * 1.121e15 * np.sqrt(2)))
    # dead-time limits present for the OQI and the CSS/SSS of the study
    assert set(result.limits) == {"oqi-bayes", "css-bayes", "sss-bayes"}
    report = (out / "report.md").read_text()
    assert "## Recommendation" in report and "σ_lim" in report and "| [1,1] |" in report
    recommendation = result.recommendation()
    assert recommendation["class"] in spec.classes
    assert recommendation["basis"].startswith("closed-loop") or all(
        row.get("simulated_sigma") is None for row in result.summary())


def test_validation_keeps_a_point_without_fringe_hops(small_design):
    _, result, _, _ = small_design
    for name, check in result.validation.items():
        assert check["tried"], name
        if check["chosen"] is not None:
            assert check["chosen"]["runs_with_hops"] == 0
            assert check["chosen"] in check["tried"]


def test_exported_circuit_reproduces_the_recommended_protocol(small_design):
    """Independent route: the OpenQASM 3 text, read back by Qiskit, gives the collective engine's P(x|φ)."""
    _, result, files, out = small_design
    protocol = RamseyProtocol.from_dict(result.recommendation()["protocol"])
    for name in ("qasm", "qasm_ion_trap"):
        circuit = qasm3.loads((out / files[name]).read_text())
        circuit.remove_final_measurements()
        (phi,) = circuit.parameters
        for value in (-0.7, 0.3):
            bound = circuit.assign_parameters({phi: value})
            qubit_probabilities = Statevector(bound).probabilities()
            ones = np.array([bin(i).count("1") for i in range(qubit_probabilities.size)])
            by_excitations = np.bincount(ones, qubit_probabilities, minlength=protocol.atoms + 1)
            expected = protocol.dicke_probabilities(np.array([value]))[0]
            np.testing.assert_allclose(by_excitations, expected, atol=1e-9)


def test_rerun_resumes_without_recomputing(small_design):
    spec, result, _, out = small_design
    stamps = {path: path.stat().st_mtime_ns for path in (out / "points").iterdir()}
    again = run_design(spec, out, backend="serial")
    assert {path: path.stat().st_mtime_ns for path in (out / "points").iterdir()} == stamps
    assert again.summary() == result.summary()


def test_checkpoint_keys_of_earlier_runs_are_unchanged():
    # the sweep function's qualified name enters every stored point's key: moving design_point to another
    # module would silently make a rerun recompute every checkpoint written before
    from qclock_circuits.report.design import _VERSION, design_point
    from qclock_circuits.runtime import function_name, point_key

    assert function_name(design_point) == "qclock_circuits.report.design.design_point"
    point = {"task": "limit", "kind": "oqi", "estimator": "bayes", "dead_time": 0.1, "noise": "flicker",
             "max_atoms": 16}
    assert point_key(design_point, point, _VERSION) == \
        "65c67c62be48c81e755118d28001e719c6366f5a9896ad288a017bc0ed7fec60"


# ----------------------------------------------------------------------------- CLI
@pytest.mark.parametrize("arguments, message", [
    (["--atoms", "0"], "atoms"),
    (["--atoms", "4", "--classes", "css,squeezed"], "protocol class"),
    (["--atoms", "4", "--dead-time", "-1"], "--dead-time"),
    (["--atoms", "4", "--coherence-time", "-2"], "--coherence-time"),
    (["--atoms", "4", "--interrogation-times", "0.1,-0.2"], "--interrogation-times"),
    (["--atoms", "4", "--points", "1"], "--points"),
])
def test_cli_bad_input_is_one_line(tmp_path, capsys, arguments, message):
    code = main(["design", *arguments, "--out", str(tmp_path / "d")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_cli_out_is_a_file(tmp_path, capsys):
    target = tmp_path / "file.txt"
    target.write_text("x")
    assert main(["design", "--atoms", "4", "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert "is a file" in err and err.count("\n") == 1


def test_cli_unreachable_scheduler(tmp_path, capsys):
    code = main(["design", "--atoms", "4", "--out", str(tmp_path / "d"), "--scheduler", "tcp://127.0.0.1:9",
                 "--connect-timeout", "1"])
    err = capsys.readouterr().err
    assert code == 2 and "cannot reach the Dask scheduler" in err and err.count("\n") == 1


def test_cli_json_run(tmp_path):
    out = tmp_path / "d"
    completed = subprocess.run(
        [sys.executable, "-m", "qclock_circuits", "design", "--atoms", "2", "--classes", "css,sss",
         "--interrogation-times", "0.05,0.2,0.6", "--serial", "--out", str(out), "--json"],
        capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == ""  # no progress bar when stderr is not a terminal
    data = json.loads(completed.stdout)
    assert {row["class"] for row in data["summary"]} == {"css", "sss", "oqi"}
    assert data["recommendation"]["class"] in ("css", "sss")
    assert (out / "report.md").exists() and (out / "recommended.qasm").exists()


def test_safety_margin_moves_the_recommendation_below_the_longest_hop_free_time():
    times = tuple(np.geomspace(0.05, 1.2, 7))
    common = dict(atoms=3, classes=("css",), interrogation_times=times, simulate=True, simulation_cycles=4000,
                  simulation_runs=2, seed=2)
    plain = run_design(DesignSpec(**common), backend="serial").validation["css"]
    safe = run_design(DesignSpec(**common, safety_margin=1), backend="serial").validation["css"]
    assert plain["chosen"] is not None and safe["chosen"] is not None
    grid = list(times)
    step_plain = grid.index(plain["chosen"]["interrogation_time"])
    assert grid.index(safe["chosen"]["interrogation_time"]) == step_plain - 1
    assert safe["chosen"]["runs_with_hops"] == 0
    with pytest.raises(QClockError, match="safety_margin"):
        DesignSpec(atoms=3, safety_margin=-1)


def test_ion_trap_file_is_the_global_ms_form(small_design):
    """The ion-trap circuit has one global MS pulse per twist; the report states both costs."""
    _, result, files, out = small_design
    protocol = RamseyProtocol.from_dict(result.recommendation()["protocol"])
    twists = sum(type(op).__name__ == "Twist" for op in protocol.preparation + protocol.measurement)
    ops = qasm3.loads((out / files["qasm_ion_trap"]).read_text()).count_ops()
    assert "rxx" not in ops and "r" not in ops  # no pairwise gates, only global pulses
    assert files["ion_trap"]["entangling_gates"] == ops["ms"] == twists
    assert files["ion_trap_rxx"]["two_qubit_gates"] == 3 * twists  # N = 3: three pairs per twist
    report = (out / files["report"]).read_text()
    assert f"{twists} global Mølmer–Sørensen pulses" in report


def test_a_class_without_information_at_any_time_is_reported_not_validated(tmp_path):
    # GHZ of 40 atoms: phase ambiguity 2π/40 ≈ 0.16 rad, narrower than the prior the 0.2 Z dead time leaves
    # (≥ 0.2 rad): its BMSE is the prior variance at every T, eq. (29)'s σ infinite; the closed-loop stage
    # used to crash on it (a non-finite candidate)
    spec = DesignSpec(atoms=40, dead_time=0.2, classes=("css", "ghz"), interrogation_times=(0.05, 0.2, 0.5),
                      simulate=True, simulation_cycles=1000, simulation_runs=1, max_critical_atoms=64, seed=3)
    result = run_design(spec, backend="serial")
    for point in result.curve("ghz"):
        assert point.bmse >= 0.999 * point.prior_width**2
    rows = {row["class"]: row for row in result.summary()}
    assert rows["ghz"]["sigma_min"] == float("inf") and rows["ghz"]["t_min"] is None
    assert rows["ghz"]["gain_over_css"] is None and "no information" in rows["ghz"]["note"]
    assert result.validation["ghz"]["chosen"] is None and result.validation["ghz"]["tried"] == []
    assert result.recommendation()["class"] == "css"
    files = write_design(result, tmp_path)
    report = (tmp_path / files["report"]).read_text()
    assert "not run: no information at any T" in report
    data = json.loads((tmp_path / files["results"]).read_text())
    assert DesignResult.from_dict(data).validation["ghz"]["skipped"]
