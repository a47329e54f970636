"""The ``qclock`` command line: output content, JSON, circuit export, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from qclock_circuits import circuits, protocols
from qclock_circuits.cli.main import main
from qclock_circuits.cli.protocol_args import default_twist

VARIATIONAL_11 = [0.35, 0.2, -0.4, 0.15, 1.1, 0.3, 1.4, 1.7]


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def show_json(argv, capsys) -> dict:
    code, out, err = run(["protocol", "show", "--protocol", *argv, "--json"], capsys)
    assert code == 0, err
    assert err == ""
    return json.loads(out)


def _subprocess_env() -> dict:
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


# ---------------------------------------------------------------- show
def test_show_text_css(capsys):
    code, out, err = run(["protocol", "show", "--protocol", "css", "--atoms", "8"], capsys)
    assert code == 0 and err == ""
    assert out.startswith("CSS: N = 8, readout = jz")
    assert "parameters: none" in out
    assert "Ramsey signal <x>(phi)" in out
    table = out.split("Ramsey signal <x>(phi) and outcome distribution P(x|phi):\n")[1].splitlines()
    assert table[0].split()[:2] == ["phi/rad", "<x>"]
    assert len(table[0].split()) == 2 + 9  # one column per outcome M = -4..4
    last = [float(v) for v in table[-1].split()]
    assert last[0] == pytest.approx(np.pi / 2, abs=1e-4)
    assert last[1] == pytest.approx(4.0, abs=1e-4)  # (N/2) sin(pi/2)
    assert last[-1] == pytest.approx(1.0, abs=1e-4)  # all atoms excited


def test_show_text_sss_lists_parameters(capsys):
    code, out, _ = run(["protocol", "show", "--protocol", "sss", "--atoms", "8", "--twist", "0.3"], capsys)
    assert code == 0
    assert out.startswith("SSS: N = 8")
    assert "twist" in out and "rotation" in out and "0.3" in out


def test_show_text_many_outcomes_is_summarised(capsys):
    code, out, _ = run(["protocol", "show", "--protocol", "variational", "--atoms", "30", "--layers", "1,2"], capsys)
    assert code == 0
    assert "std(x)" in out and "use --json" in out


@pytest.mark.parametrize("atoms", [1, 5, 8, 40])
def test_show_json_css_signal_is_half_n_at_quarter_period(atoms, capsys):
    data = show_json(["css", "--atoms", str(atoms)], capsys)
    assert data["atoms"] == atoms and data["family"] == "css"
    phi = np.array(data["signal"]["phi"])
    mean = np.array(data["signal"]["mean"])
    at = int(np.argmin(np.abs(phi - np.pi / 2)))
    assert phi[at] == pytest.approx(np.pi / 2, abs=1e-15)
    assert mean[at] == pytest.approx(atoms / 2, abs=1e-12)
    assert np.allclose(mean, atoms / 2 * np.sin(phi), atol=1e-12)
    probabilities = np.array(data["probabilities"])
    assert probabilities.shape == (len(phi), atoms + 1)
    assert np.allclose(probabilities.sum(axis=1), 1, atol=1e-12)
    assert data["outcomes"] == protocols.css(atoms).outcomes.tolist()


@pytest.mark.parametrize("argv, expected", [
    (["sss", "--atoms", "6", "--twist", "0.3", "--rotation", "0.4"], protocols.sss(6, 0.3, 0.4)),
    (["sss", "--atoms", "6", "--params", "0.3,0.4"], protocols.sss(6, 0.3, 0.4)),
    (["ghz", "--atoms", "5", "--readout", "jz"], protocols.ghz(5, readout="jz")),
    (["ghz", "--atoms", "4"], protocols.ghz(4)),
    (["poi", "--atoms", "4"], protocols.poi(4)),
    (["variational", "--atoms", "8", "--layers", "1,1",
      "--params", ",".join(map(str, VARIATIONAL_11))], protocols.variational(8, 1, 1, VARIATIONAL_11)),
    (["variational", "--atoms", "5"], protocols.variational(5, 1, 1)),
])
def test_show_json_matches_library(argv, expected, capsys):
    data = show_json(argv, capsys)
    for key, value in expected.to_dict().items():
        if key == "parameters":
            assert np.allclose(data[key], value, atol=1e-15)
        else:
            assert data[key] == value, key
    phi = np.array(data["signal"]["phi"])
    assert np.allclose(data["signal"]["mean"], expected.signal(phi), atol=1e-12)
    assert np.allclose(data["probabilities"], expected.probabilities(phi), atol=1e-12)
    assert data["description"] == expected.describe()


def test_show_sss_default_twist_is_kitagawa_ueda(capsys):
    data = show_json(["sss", "--atoms", "8"], capsys)
    assert data["parameters"][0] == pytest.approx(default_twist(8))
    assert data["parameters"][1] == pytest.approx(protocols.sss_optimal_rotation(8, default_twist(8)))


def test_show_ghz_default_phases_scale_with_n(capsys):
    data = show_json(["ghz", "--atoms", "6"], capsys)
    phi = np.array(data["signal"]["phi"])
    assert phi.max() == pytest.approx(np.pi / 12)
    assert np.allclose(data["signal"]["mean"], np.sin(6 * phi), atol=1e-12)  # (-1)^N sin(N phi)


def test_show_custom_phases(capsys):
    data = show_json(["css", "--atoms", "4", "--phases", "0,0.25,-1"], capsys)
    assert data["signal"]["phi"] == [0.0, 0.25, -1.0]
    assert np.allclose(data["signal"]["mean"], 2 * np.sin([0.0, 0.25, -1.0]))


def test_help_and_version_exit_zero(capsys):
    assert main(["--help"]) == 0
    assert "protocol" in capsys.readouterr().out
    assert main(["protocol", "show", "--help"]) == 0
    assert "--atoms" in capsys.readouterr().out
    assert main(["--version"]) == 0
    assert "0.1.0" in capsys.readouterr().out


# ---------------------------------------------------------------- errors
BAD_INPUT = [
    (["protocol", "show", "--protocol", "css", "--atoms", "0"], "atoms"),
    (["protocol", "show", "--protocol", "css", "--atoms", "-3"], "atoms"),
    (["protocol", "show", "--protocol", "css", "--atoms", "2.5"], "--atoms"),
    (["protocol", "show", "--protocol", "css", "--atoms", "abc"], "--atoms"),
    (["protocol", "show", "--protocol", "css", "--atoms", "nan"], "--atoms"),
    (["protocol", "show", "--protocol", "sss", "--atoms", "8", "--twist", "nan"], "twist"),
    (["protocol", "show", "--protocol", "sss", "--atoms", "8", "--twist", "inf"], "twist"),
    (["protocol", "show", "--protocol", "sss", "--atoms", "8", "--rotation", "nan"], "rotation"),
    (["protocol", "show", "--protocol", "variational", "--atoms", "8", "--params", "1,2"], "params"),
    (["protocol", "show", "--protocol", "variational", "--atoms", "8", "--params", "1,x"], "--params"),
    (["protocol", "show", "--protocol", "variational", "--atoms", "8", "--layers", "1"], "--layers"),
    (["protocol", "show", "--protocol", "variational", "--atoms", "8", "--layers", "-1,2"], "--layers"),
    (["protocol", "show", "--protocol", "sss", "--atoms", "8", "--params", "0.1,0.2,0.3"], "parameters"),
    (["protocol", "show", "--protocol", "sss", "--atoms", "8", "--params", "0.1,0.2", "--twist", "1"], "not both"),
    (["protocol", "show", "--protocol", "poi", "--atoms", "3", "--params", "1,0"], "parameters"),
    (["protocol", "show", "--protocol", "css", "--atoms", "4", "--twist", "0.3"], "--twist"),
    (["protocol", "show", "--protocol", "ghz", "--atoms", "4", "--params", "1"], "--params"),
    (["protocol", "show", "--protocol", "ghz", "--atoms", "4", "--readout", "x"], "--readout"),
    (["protocol", "show", "--protocol", "foo", "--atoms", "3"], "invalid choice"),
    (["protocol", "show", "--protocol", "css"], "--atoms"),
    (["protocol", "frobnicate"], "invalid choice"),
    (["protocol"], "required"),
    ([], "required"),
    (["protocol", "circuit", "--protocol", "css", "--atoms", "0"], "atoms"),
    (["protocol", "circuit", "--protocol", "css", "--atoms", "3", "--oat", "xx"], "--oat"),
    (["protocol", "circuit", "--protocol", "css", "--atoms", "3", "--target", "moon"], "--target"),
]


@pytest.mark.parametrize("argv, mention", BAD_INPUT)
def test_bad_input_gives_one_line_error_and_exit_2(argv, mention, capsys):
    code, out, err = run(argv, capsys)
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("qclock: error: ")
    assert mention in lines[0]


# ---------------------------------------------------------------- subprocess
def test_module_entry_point_in_subprocess():
    result = subprocess.run(
        [sys.executable, "-m", "qclock_circuits", "protocol", "show", "--protocol", "css", "--atoms", "6", "--json"],
        capture_output=True, text=True, env=_subprocess_env(), timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    phi = np.array(data["signal"]["phi"])
    assert data["signal"]["mean"][int(np.argmin(np.abs(phi - np.pi / 2)))] == pytest.approx(3.0)


def test_module_entry_point_error_in_subprocess():
    result = subprocess.run(
        [sys.executable, "-m", "qclock_circuits", "protocol", "show", "--protocol", "sss", "--atoms", "4", "--twist", "nan"],
        capture_output=True, text=True, env=_subprocess_env(), timeout=300, check=False)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == ["qclock: error: twist must be a finite real number, got nan"]


# ---------------------------------------------------------------- circuit
def test_circuit_prints_openqasm3(capsys):
    code, out, err = run(["protocol", "circuit", "--protocol", "sss", "--atoms", "4", "--twist", "0.3"], capsys)
    assert code == 0, err
    assert out.lstrip().startswith("OPENQASM 3")
    assert "// protocol: SSS, N = 4, oat = rzz" in out
    assert "depth" not in out


def test_circuit_openqasm3_round_trip(capsys):
    from qiskit import qasm3

    code, out, err = run(["protocol", "circuit", "--protocol", "css", "--atoms", "3"], capsys)
    assert code == 0, err
    circuit = qasm3.loads(out)
    assert circuit.num_qubits == 3


@pytest.mark.parametrize("target", ["ion_trap", "superconducting"])
def test_circuit_transpiled_to_file(target, tmp_path, capsys):
    path = tmp_path / "ghz.qasm"
    code, out, err = run(["protocol", "circuit", "--protocol", "ghz", "--atoms", "4", "--target", target,
                          "--out", str(path)], capsys)
    assert code == 0, err
    assert path.read_text().lstrip().startswith("OPENQASM 3")
    report = circuits.transpile_for(circuits.protocol_to_circuit(protocols.ghz(4)), target=target)
    assert f"target: {target}, depth: {report.depth}, two-qubit gates: {report.two_qubit_gates}" in out
    assert f"wrote OpenQASM 3 to {path}" in out


def test_circuit_ms_synthesis(capsys):
    code, out, err = run(["protocol", "circuit", "--protocol", "sss", "--atoms", "4", "--twist", "0.3", "--oat", "ms",
                          "--target", "ion_trap"], capsys)
    assert code == 0, err
    assert "two-qubit gates:" in out


def test_circuit_unwritable_output_is_one_line_error(tmp_path, capsys):
    code, out, err = run(["protocol", "circuit", "--protocol", "css", "--atoms", "2",
                          "--out", str(tmp_path / "missing" / "x.qasm")], capsys)
    assert code == 1
    assert out == ""
    assert len(err.splitlines()) == 1 and err.startswith("qclock: error: ")


def test_circuit_ion_trap_is_global_ms_and_bad_targets_are_one_line_errors(capsys):
    code, out, err = run(["protocol", "circuit", "--protocol", "sss", "--atoms", "6", "--twist", "0.3", "--target", "ion_trap"],
                         capsys)
    assert code == 0, err
    from qiskit import qasm3

    ops = qasm3.loads(out).count_ops()
    assert ops["ms"] == 1 and "rxx" not in ops and "entangling gates: 1" in out
    code, out, err = run(["protocol", "circuit", "--protocol", "css", "--atoms", "2", "--target", "bogus"], capsys)
    assert code == 2 and "--target: target must be one of 'ion_trap'" in err and "got 'bogus'" in err
    code, out, err = run(["protocol", "circuit", "--protocol", "css", "--atoms", "8", "--target", "fake_manila"], capsys)
    assert code == 2 and "'fake_manila' has 5 qubits, fewer than the 8" in err
