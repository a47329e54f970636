"""The lab's data on the command line: --laser-adev/--laser-psd and `qclock analyze` (counts, trace)."""

import json
import math

import numpy as np
import pytest

from qclock_circuits.cli.main import main
from qclock_circuits.clock.laser_fit import fit_laser_file

NU0 = 4.29e14
H_FLICKER = 3e-33


@pytest.fixture()
def flicker_adev(tmp_path):
    """A measured ADEV of pure flicker FM, σ_y = √(2 ln2 h_-1), whose Z is 1/(ω0 σ_y) for any dead time."""
    sigma = math.sqrt(2 * math.log(2) * H_FLICKER)
    path = tmp_path / "laser_adev.csv"
    path.write_text("tau_s,adev,adev_err\n" + "".join(f"{t:.17g},{sigma:.17g},{0.03 * sigma:.17g}\n"
                                                     for t in np.geomspace(0.5, 100, 8)))
    return path


def _design(tmp_path, name, extra):
    out = tmp_path / name
    code = main(["design", "--atoms", "2", "--classes", "css", "--interrogation-times", "0.05,0.2", "--serial",
                 "--dead-time", "0.1", "--json", "--out", str(out), *extra])
    assert code == 0
    data = json.loads((out / "results.json").read_text())
    for volatile in ("seconds", "files"):
        data.pop(volatile)
    return data


def test_design_from_a_measured_adev_equals_the_one_from_the_equivalent_coherence_time(tmp_path, flicker_adev,
                                                                                      capsys):
    z = fit_laser_file(flicker_adev).coherence_time(NU0, 0.1)
    assert z == pytest.approx(1 / (2 * math.pi * NU0 * math.sqrt(2 * math.log(2) * H_FLICKER)), rel=1e-9)
    from_file = _design(tmp_path, "file", ["--laser-adev", str(flicker_adev), "--transition-frequency", str(NU0)])
    captured = capsys.readouterr()
    assert "h_-1 (flicker) = 3e-33" in captured.err and f"Z = {z:.6g}" in captured.err  # the fit, beside the JSON
    json.loads(captured.out)  # stdout stays one JSON document
    saved = json.loads((tmp_path / "file" / "laser_fit.json").read_text())
    assert saved["coherence_time_s"] == z and saved["noise"] == "flicker"
    direct = _design(tmp_path, "direct", ["--coherence-time", repr(z), "--noise", "flicker",
                                          "--transition-frequency", str(NU0)])
    assert from_file == direct


def test_evaluate_with_a_laser_file_uses_its_noise_type_and_prints_the_fit(tmp_path, capsys):
    # random-walk-dominated laser: the prior width follows the random-walk law of eq. (31); the fitted Z makes
    # the command's times seconds (the unit rule), so the equivalent run gives that Z as --coherence-time
    tau = np.geomspace(1, 1000, 12)
    adev = np.sqrt(2e-34 * 0.5 / tau + 2 * math.pi**2 / 3 * 1e-34 * tau)
    path = tmp_path / "rw.csv"
    path.write_text("tau_s,adev\n" + "".join(f"{t:.17g},{a:.17g}\n" for t, a in zip(tau, adev)))
    assert main(["evaluate", "--protocol", "css", "--atoms", "4", "--interrogation-time", "0.1",
                 "--laser-adev", str(path), "--transition-frequency", str(NU0), "--json"]) == 0
    captured = capsys.readouterr()
    assert "noise model: random_walk" in captured.err
    with_file = json.loads(captured.out)
    assert with_file["time_unit"] == "s"
    assert main(["evaluate", "--protocol", "css", "--atoms", "4", "--interrogation-time", "0.1",
                 "--noise", "random_walk", "--coherence-time", repr(with_file["coherence_time"]), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == with_file


@pytest.mark.parametrize("content, extra, message", [
    ("tau_s,sigma_err\n1,1e-16\n2,1e-16\n", [], "missing column 'adev'"),
    ("tau_s,adev\n1,1e-16\n-2,1e-16\n3,1e-16\n4,1e-16\n", [], "'tau_s' must hold finite values > 0"),
    ("tau_s,adev\n1,1e-16\n", [], "too few points"),
    ("tau_s,adev\n1,1e-16\n2,1e-16\n", [], "too few data points"),
    ("tau_s,adev\n1,1e-16\n2,1e-16\n4,1e-16\n8,1e-16\n", ["--coherence-time", "2"], "not both"),
])
def test_bad_laser_files_give_one_line_and_exit_2(tmp_path, capsys, content, extra, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    code = main(["design", "--atoms", "2", "--out", str(tmp_path / "d"), "--laser-adev", str(path),
                 "--transition-frequency", str(NU0), *extra])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_laser_file_needs_the_transition_frequency(tmp_path, capsys, flicker_adev):
    assert main(["bounds", "--atoms", "2", "--interrogation-time", "0.1", "--laser-adev", str(flicker_adev)]) == 2
    assert "needs --transition-frequency" in capsys.readouterr().err
    assert main(["bounds", "--atoms", "2", "--prior-width", "0.1", "--laser-psd", str(flicker_adev),
                 "--transition-frequency", "1e15"]) == 2
    assert "missing column 'f_hz'" in capsys.readouterr().err


def test_simulate_takes_the_laser_psd(tmp_path, capsys):
    f = np.geomspace(1e-3, 10, 20)
    path = tmp_path / "psd.csv"
    path.write_text("f_hz,S_y\n" + "".join(f"{x:.17g},{4e-32 / x:.17g}\n" for x in f))
    code = main(["simulate", "--protocol", "css", "--atoms", "2", "--interrogation-time", "0.1", "--cycles", "2000",
                 "--laser-psd", str(path), "--transition-frequency", str(NU0), "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "noise model: flicker" in captured.err
    assert json.loads(captured.out)["noise"] == "flicker"


def test_analyze_counts_csv_json_and_out(tmp_path, capsys):
    path = tmp_path / "counts.csv"
    path.write_text("cycle,outcome,count\n3,-1,3\n3,0,10\n3,1,7\n4,1,15\n4,0,5\n")
    out = tmp_path / "estimates.json"
    assert main(["analyze", "counts", str(path), "--protocol", "css", "--atoms", "2", "--prior-width", "0.5",
                 "--interrogation-time", "0.2", "--time-unit", "s", "--transition-frequency", str(NU0),
                 "--json", "--out", str(out)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == json.loads(out.read_text())
    assert data["cycles"] == [3, 4] and data["shots"] == [20, 20] and data["frequency_unit"] == "rad/s"
    from qclock_circuits import bayes, protocols

    single = bayes.posterior(protocols.css(2), bayes.GaussianPrior(0.5), {1.0: 15, 0.0: 5})
    assert data["phase"][1] == pytest.approx(single.mean, rel=1e-12)
    assert data["fractional_frequency"][1] == pytest.approx(single.mean / 0.2 / (2 * math.pi * NU0), rel=1e-12)
    assert main(["analyze", "counts", str(path), "--protocol", "css", "--atoms", "2", "--prior-width", "0.5"]) == 0
    text = capsys.readouterr().out
    assert "2 cycles of CSS (N = 2)" in text and "phi (rad)" in text


def test_analyze_trace_matches_allantools(tmp_path, capsys):
    allantools = pytest.importorskip("allantools")
    y = np.random.default_rng(1).standard_normal(600) * 1e-15
    path = tmp_path / "trace.csv"
    path.write_text("y\n" + "".join(f"{v:.17g}\n" for v in y))
    assert main(["analyze", "trace", str(path), "--rate", "2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    tau, sigma, _, _ = allantools.oadev(y, rate=2.0, data_type="freq", taus="octave")
    np.testing.assert_allclose(data["tau"], tau, rtol=1e-15)
    np.testing.assert_allclose(data["sigma"], sigma, rtol=1e-12)


@pytest.mark.parametrize("argv, message", [
    (["analyze", "trace", "{f}", "--rate", "0"], "rate"),
    (["analyze", "counts", "{f}", "--protocol", "css", "--atoms", "2", "--prior-width", "0.5"], "missing column"),
    (["analyze", "counts", "{f}", "--protocol", "css", "--atoms", "2", "--prior-width", "-1"], "--prior-width"),
])
def test_analyze_bad_input_is_one_line(tmp_path, capsys, argv, message):
    path = tmp_path / "x.csv"
    path.write_text("y,count\n1,2\n2,3\n3,4\n")
    code = main([a.format(f=path) for a in argv])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and message in err


def test_laser_samples_give_chi_square_errors(tmp_path, capsys):
    tau = np.array([1.0, 2.0, 4.0, 8.0, 16.0])
    path = tmp_path / "adev.csv"
    path.write_text("tau_s,adev\n" + "".join(f"{t:g},{math.sqrt(2e-33 / (2 * t) + 2 * math.log(2) * 1e-33):.17g}\n"
                                             for t in tau))
    assert main(["bounds", "--atoms", "2", "--interrogation-time", "0.1", "--laser-adev", str(path),
                 "--laser-samples", "10000", "--transition-frequency", str(NU0)]) == 0
    assert "(edf errors)" in capsys.readouterr().out
    assert main(["bounds", "--atoms", "2", "--interrogation-time", "0.1", "--laser-psd", str(path),
                 "--laser-samples", "10000", "--transition-frequency", str(NU0)]) == 2
    assert "apply to --laser-adev only" in capsys.readouterr().err
