"""``qclock simulate``: JSON contract, QPN limit, theory values, reproducibility, runs, resume, errors."""

from __future__ import annotations

import io
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from qclock_circuits import bayes, protocols
from qclock_circuits.clock import dick_deviation
from qclock_circuits.clock.noise import LocalOscillatorNoise
from qclock_circuits.clock.simulate import simulate_clock, simulate_clocks
from qclock_circuits.cli.main import main
from qclock_circuits.cli.simulate_cmd import BLOCK_SIZE

# a small, fast configuration: ion-trap-like N = 8 with dead time
SMALL = ["simulate", "--protocol", "css", "--atoms", "8", "--interrogation-time", "0.1", "--dead-time", "0.05",
         "--cycles", "6000"]


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def run_json(argv, capsys) -> dict:
    code, out, err = run([*argv, "--json"], capsys)
    assert code == 0, err
    assert err == ""  # no progress bar with --json (and stderr is not a terminal here)
    return json.loads(out)


def _subprocess_env() -> dict:
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


# ---------------------------------------------------------------- contract and values
def test_json_contract_and_values_single_run(capsys):
    data = run_json(SMALL, capsys)
    for key in ("adev", "sigma_scaled", "fringe_hops", "prior_width", "theory_sigma", "dick_sigma",
                "theory_sigma_total", "sigma_scaled_std", "runs", "runs_with_hops", "per_run", "first_hop_cycle",
                "phase_rms", "fit_min_tau", "loop_time_constant", "settled", "runs_unsettled"):
        assert key in data, key
    assert (data["protocol"], data["atoms"], data["noise"], data["estimator"], data["servo"]) == \
        ("css", 8, "flicker", "bayes", "integrator")
    assert (data["cycles"], data["seed"], data["runs"], data["sigma_scaled_std"]) == (6000, 0, 1, None)
    assert len(data["per_run"]) == 1 and data["per_run"][0]["sigma_scaled"] == data["sigma_scaled"]

    # Allan deviation: octave τ grid in units of Z (τ0 = T_C), χ² interval around σ, free LO flat for flicker
    adev = data["adev"]
    tau = np.array(adev["tau"])
    assert np.allclose(tau, 0.15 * 2.0 ** np.arange(tau.size))
    sigma, low, high = (np.array(adev[k]) for k in ("sigma", "ci_low", "ci_high"))
    assert sigma.shape == tau.shape and np.all((low < sigma) & (sigma < high))
    assert np.allclose(adev["lo_sigma"], 1.0)  # eq. (30): σ_ω = 1 rad per Z at every τ for flicker FM

    # the library's run with the same seed child gives the same numbers
    child = np.random.SeedSequence(0).spawn(1)[0]
    reference = simulate_clock(protocols.css(8), 0.1, 0.05, "flicker", cycles=6000, seed=child,
                               block_size=BLOCK_SIZE)
    assert data["sigma_scaled"] == reference.sigma_scaled
    assert adev["sigma"] == reference.adev.sigma.tolist()
    assert data["fringe_hops"] == reference.fringe_hops
    assert (data["fit_min_tau"], data["settled"]) == (reference.fit_min_tau, reference.settled)
    assert data["loop_time_constant"] == reference.loop_time_constant
    assert data["per_run"][0]["settled"] is data["settled"] and data["runs_unsettled"] == int(not data["settled"])

    # theory: eq. (29) at the model prior width, Dick effect eq. (40) at τ = Z, eq. (41)
    width = bayes.prior_width(0.1, "flicker", 0.05)
    assert data["prior_width"] == pytest.approx(width, rel=1e-15)
    point = bayes.stability.stability_point("css", 8, 0.1, noise="flicker", dead_time=0.05)
    assert data["theory_sigma"] == pytest.approx(point.sigma, rel=1e-12)
    lo = LocalOscillatorNoise.from_coherence_time("flicker", 0.05)
    assert data["dick_sigma"] == pytest.approx(float(dick_deviation(1.0, lo.psd, 0.1, 0.05)), rel=1e-12)
    assert data["theory_sigma_total"] == pytest.approx(math.hypot(data["theory_sigma"], data["dick_sigma"]))
    # the simulated long-τ level is in the right range (a short run: loose bound)
    assert 0.7 * data["theory_sigma_total"] < data["sigma_scaled"] < 1.6 * data["theory_sigma_total"]


def test_css_reaches_the_qpn_limit_at_short_interrogation_time(capsys):
    # Kielinski & Hammerer eq. (26) with T_D = 0: σ_y(τ) ω0 √(τZ) = √T_C/(T √N). The model width of eq. (31) at
    # T/Z = 0.001 (1.3e-3 rad, against a QPN of 0.1 rad) makes the estimator return only ~1/6000 of a phase
    # error per cycle: the loop time constant (~6000 cycles) is too long for the run to settle, and the
    # JSON says so. A prior of the QPN width 1/√N locks the loop; the linear estimator then realises eq. (26).
    atoms, time = 100, 0.001
    model = run_json(["simulate", "--protocol", "css", "--atoms", str(atoms), "--interrogation-time", str(time),
                      "--estimator", "linear", "--cycles", "100000"], capsys)
    assert model["prior_width_source"] == "model" and model["prior_width"] < 0.002
    assert model["loop_time_constant"] > 1000 and model["settled"] is False and model["runs_unsettled"] == 1
    data = run_json(["simulate", "--protocol", "css", "--atoms", str(atoms), "--interrogation-time", str(time),
                     "--estimator", "linear", "--prior-width", "0.1", "--cycles", "300000", "--seed", "1"], capsys)
    qpn = math.sqrt(time) / (time * math.sqrt(atoms))
    assert data["prior_width"] == 0.1 and data["prior_width_source"] == "given"
    assert data["fringe_hops"] == 0 and data["settled"] is True
    assert data["theory_sigma"] == pytest.approx(qpn, rel=1e-3)  # eq. (32): Δφ_M² ≈ 1/N at δφ = 0.1
    assert data["sigma_scaled"] == pytest.approx(qpn, rel=0.07)
    assert data["dick_sigma"] == 0.0


def test_sss_default_twist_is_optimised_and_theory_uses_it(capsys):
    argv = ["simulate", "--protocol", "sss", "--atoms", "8", "--interrogation-time", "0.1", "--cycles", "3000"]
    data = run_json(argv, capsys)
    width = bayes.prior_width(0.1, "flicker", 0.0)
    best, _ = bayes.stability.best_sss(8, bayes.GaussianPrior(width), "bayes")
    assert data["twist_optimised"] is True
    assert [data["twist"], data["rotation"]] == pytest.approx(list(best.parameters), rel=1e-9)
    point = bayes.stability.stability_point("sss", 8, 0.1, noise="flicker")
    assert data["theory_sigma"] == pytest.approx(point.sigma, rel=1e-9)
    fixed = run_json([*argv, "--twist", "0.3", "--rotation", "0.7", "--estimator", "linear"], capsys)
    assert (fixed["twist"], fixed["rotation"], fixed["twist_optimised"]) == (0.3, 0.7, False)
    dphi_m = bayes.effective_measurement_uncertainty(
        bayes.bmse(protocols.sss(8, 0.3, 0.7), bayes.GaussianPrior(width), "linear"), width)
    assert fixed["theory_sigma"] == pytest.approx(bayes.allan_deviation(dphi_m, 0.1, 0.0), rel=1e-12)


def test_ghz_theory_matches_stability_point(capsys):
    data = run_json(["simulate", "--protocol", "ghz", "--atoms", "4", "--interrogation-time", "0.02",
                     "--noise", "white", "--cycles", "3000"], capsys)
    assert data["readout"] == "parity"
    point = bayes.stability.stability_point("ghz", 4, 0.02, noise="white")
    assert data["theory_sigma"] == pytest.approx(point.sigma, rel=1e-12)
    assert np.allclose(data["adev"]["lo_sigma"], 1.0 / np.sqrt(data["adev"]["tau"]))  # white FM, eq. (30)


# ---------------------------------------------------------------- reproducibility, runs, resume
def test_same_seed_gives_identical_json(capsys):
    first = run([*SMALL, "--seed", "5", "--json"], capsys)
    second = run([*SMALL, "--seed", "5", "--json"], capsys)
    other = run([*SMALL, "--seed", "6", "--json"], capsys)
    assert first[0] == second[0] == other[0] == 0
    assert first[1] == second[1]
    assert json.loads(first[1])["sigma_scaled"] != json.loads(other[1])["sigma_scaled"]


def test_two_runs_are_averaged_and_match_simulate_clocks(capsys):
    argv = [*SMALL, "--runs", "2", "--seed", "3"]
    data = run_json(argv, capsys)
    assert data["runs"] == 2 and len(data["per_run"]) == 2
    values = [entry["sigma_scaled"] for entry in data["per_run"]]
    assert values[0] != values[1]
    assert data["sigma_scaled"] == pytest.approx(np.mean(values), rel=1e-15)
    assert data["sigma_scaled_std"] == pytest.approx(np.std(values, ddof=1), rel=1e-12)
    assert data["fringe_hops"] == sum(entry["fringe_hops"] for entry in data["per_run"])
    assert data["runs_with_hops"] == sum(entry["fringe_hops"] > 0 for entry in data["per_run"])
    assert "first_hop_cycle" not in data and all("first_hop_cycle" in entry for entry in data["per_run"])
    # the library's simulate_clocks (what --workers and --out use) gives the same runs
    library = simulate_clocks(protocols.css(8), runs=2, seed=3, interrogation_time=0.1, dead_time=0.05,
                              noise="flicker", cycles=6000, estimator="bayes", prior_width=None, servo="integrator",
                              block_size=BLOCK_SIZE)
    assert values == [r.sigma_scaled for r in library]
    assert data["adev"]["sigma"] == pytest.approx(np.mean([r.adev.sigma for r in library], axis=0), rel=1e-14)
    assert data["adev"]["sigma_std"] == pytest.approx(np.std([r.adev.sigma for r in library], axis=0, ddof=1))
    parallel = run_json([*argv, "--workers", "2"], capsys)
    assert parallel == data


def test_out_directory_stores_runs_and_resumes(tmp_path, capsys):
    from qclock_circuits.runtime import SweepResult, SweepStore

    out = tmp_path / "runs"
    argv = [*SMALL, "--runs", "2", "--seed", "3"]
    plain = run_json(argv, capsys)
    first = run_json([*argv, "--out", str(out)], capsys)
    assert first == plain
    store = SweepStore(out)
    by_run = {store.load(key).point["run"]: key for key in store.keys()}
    assert sorted(by_run) == [0, 1] and len(list(out.iterdir())) == 2
    stored = {p.name: p.read_bytes() for p in out.iterdir()}

    # a restart reuses the stored runs: identical output, files untouched
    again = run_json([*argv, "--out", str(out)], capsys)
    assert again == first
    assert {p.name: p.read_bytes() for p in out.iterdir()} == stored

    # an 'interrupted' job: run 1 missing, run 0 read back (not recomputed: a marker survives)
    store.path(by_run[1]).unlink()
    record = store.load(by_run[0])
    record.result["sigma_scaled"] = 123.0
    store.save(SweepResult(**{**record.__dict__, "checksum": ""}))
    resumed = run_json([*argv, "--out", str(out)], capsys)
    assert resumed["per_run"][0]["sigma_scaled"] == 123.0
    assert resumed["per_run"][1] == first["per_run"][1]
    recomputed = store.load(by_run[1]).result
    original = json.loads(stored[store.path(by_run[1]).name])["result"]
    for data in (recomputed, original):
        del data["wall_time"]
    assert recomputed == original


# ---------------------------------------------------------------- output and progress
class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_lines_elsewhere_none_with_quiet_or_json(monkeypatch, capsys):
    code, quiet, err = run([*SMALL, "--quiet"], capsys)
    assert code == 0 and err == ""
    assert "sigma_y(tau) w0 sqrt(tau Z)" in quiet and "eq. (29)" in quiet and "fringe hops: 0" in quiet
    code, plain, lines = run(SMALL, capsys)  # stderr is not a terminal here: plain lines, no carriage returns
    assert code == 0 and plain == quiet  # the progress display does not change the numbers
    assert "\r" not in lines and lines.splitlines()[-1].startswith("simulate: 100% 6000/6000")
    assert 2 <= len(lines.splitlines()) <= 12 and all(line.startswith("simulate:") for line in lines.splitlines())
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(SMALL) == 0
    shown, _ = capsys.readouterr()
    assert shown == plain
    bar = terminal.getvalue()
    assert "\r" in bar and "simulate: 100%" in bar and "6000/6000" in bar
    terminal.seek(0)
    terminal.truncate()
    assert main([*SMALL, "--json"]) == 0
    assert terminal.getvalue() == ""


# ---------------------------------------------------------------- errors
BASE = ["simulate", "--protocol", "css", "--atoms", "8", "--interrogation-time", "0.1"]
BAD_INPUT = [
    (["simulate", "--protocol", "css", "--atoms", "8", "--interrogation-time", "0"], "--interrogation-time"),
    (["simulate", "--protocol", "css", "--atoms", "8", "--interrogation-time", "-1"], "--interrogation-time"),
    (["simulate", "--protocol", "css", "--atoms", "8", "--interrogation-time", "nan"], "--interrogation-time"),
    (["simulate", "--protocol", "css", "--atoms", "8"], "--interrogation-time"),
    ([*BASE, "--dead-time", "-0.1"], "--dead-time"),
    ([*BASE, "--cycles", "1"], "--cycles"),
    ([*BASE, "--cycles", "2"], "--cycles must be an integer >= 3"),
    ([*BASE, "--cycles", "2.5"], "--cycles"),
    ([*BASE, "--runs", "0"], "--runs"),
    ([*BASE, "--workers", "0"], "--workers"),
    ([*BASE, "--seed", "-1"], "--seed"),
    ([*BASE, "--noise", "pink"], "--noise"),
    ([*BASE, "--estimator", "arcsin"], "--estimator"),
    ([*BASE, "--servo", "pid"], "--servo"),
    ([*BASE, "--prior-width", "0"], "--prior-width"),
    ([*BASE, "--twist", "0.3"], "--twist applies only to sss"),
    ([*BASE, "--readout", "jz"], "--readout applies only to ghz"),
    (["simulate", "--protocol", "sss", "--atoms", "8", "--interrogation-time", "0.1", "--rotation", "0.2"],
     "--rotation needs --twist"),
    (["simulate", "--protocol", "sss", "--atoms", "8", "--interrogation-time", "0.1", "--twist", "inf"],
     "--twist"),
    (["simulate", "--protocol", "css", "--atoms", "0", "--interrogation-time", "0.1"], "atoms"),
    (["simulate", "--protocol", "poi", "--atoms", "8", "--interrogation-time", "0.1"], "--protocol"),
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


def test_out_that_is_a_file_exits_1(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, out, err = run([*SMALL, "--out", str(blocker)], capsys)
    assert code == 1 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("qclock: error: ")


# ---------------------------------------------------------------- subprocess
def test_simulate_in_subprocess():
    result = subprocess.run(
        [sys.executable, "-m", "qclock_circuits", "simulate", "--protocol", "css", "--atoms", "4",
         "--interrogation-time", "0.05", "--cycles", "2000", "--seed", "2", "--json"],
        capture_output=True, text=True, env=_subprocess_env(), timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # not a terminal: no progress bar
    data = json.loads(result.stdout)
    assert data["cycles"] == 2000 and data["runs"] == 1
    assert len(data["adev"]["tau"]) == len(data["adev"]["sigma"]) > 0
    assert math.isfinite(data["sigma_scaled"]) and data["sigma_scaled"] > 0
