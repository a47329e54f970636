"""``qclock evaluate`` and ``qclock bounds``: values against closed forms, prior options, errors."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from scipy.special import erfc

from qclock_circuits import bayes, protocols
from qclock_circuits.cli.main import main


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def run_json(argv, capsys) -> dict:
    code, out, err = run([*argv, "--json"], capsys)
    assert code == 0, err
    assert err == ""
    return json.loads(out)


def ghz_bmse_a81(atoms: int, width: float) -> float:
    """Kielinski & Hammerer eq. (A81): GHZ parity BMSE δ²(1 − N²δ² e^{−N²δ²})."""
    x = (atoms * width) ** 2
    return width**2 * (1.0 - x * math.exp(-x))


def _subprocess_env() -> dict:
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


# ---------------------------------------------------------------- evaluate: closed forms
@pytest.mark.parametrize("atoms, width", [(8, 0.3), (1, 0.5), (25, 0.1)])
def test_evaluate_css_linear_matches_eq32(atoms, width, capsys):
    data = run_json(["evaluate", "--protocol", "css", "--atoms", str(atoms), "--prior-width", str(width),
                     "--estimator", "linear"], capsys)
    closed_form = math.cosh(width**2) / atoms + math.sinh(width**2) - width**2  # Kielinski & Hammerer eq. (32)
    assert data["dphi_m"] ** 2 == pytest.approx(closed_form, abs=1e-9)
    # eq. (27) ties the reported BMSE and dphi_M together
    assert 1.0 / data["bmse"] == pytest.approx(1.0 / data["dphi_m"] ** 2 + 1.0 / width**2, rel=1e-12)
    assert data["protocol"] == "css" and data["atoms"] == atoms
    assert data["estimator"] == "linear" and data["prior_width"] == width
    assert "sigma" not in data and "interrogation_time" not in data
    outcomes, estimates = np.array(data["estimator_table"]).T
    assert np.allclose(outcomes, np.arange(atoms + 1) - atoms / 2)
    scale = estimates[-1] / outcomes[-1]
    assert scale > 0 and np.allclose(estimates, scale * outcomes, atol=1e-14)  # linear: a*x


@pytest.mark.parametrize("estimator", ["bayes", "linear"])
@pytest.mark.parametrize("atoms, width", [(8, 0.3), (4, 0.05), (10, 0.5)])
def test_evaluate_ghz_parity_matches_eq_a81(atoms, width, estimator, capsys):
    data = run_json(["evaluate", "--protocol", "ghz", "--atoms", str(atoms), "--prior-width", str(width),
                     "--estimator", estimator], capsys)
    assert data["readout"] == "parity"
    assert data["bmse"] == pytest.approx(ghz_bmse_a81(atoms, width), rel=1e-10, abs=1e-15)
    outcomes, estimates = np.array(data["estimator_table"]).T
    assert outcomes.tolist() == [-1.0, 1.0]
    assert estimates[0] == pytest.approx(-estimates[1]) and estimates[1] > 0


def test_evaluate_default_estimator_is_bayes_and_not_worse_than_linear(capsys):
    argv = ["evaluate", "--protocol", "css", "--atoms", "8", "--prior-width", "0.6"]
    bayes_data = run_json(argv, capsys)
    linear_data = run_json([*argv, "--estimator", "linear"], capsys)
    arcsin_data = run_json([*argv, "--estimator", "arcsin"], capsys)
    assert bayes_data["estimator"] == "bayes"
    assert bayes_data["bmse"] < linear_data["bmse"] < arcsin_data["bmse"]


def test_evaluate_no_information_gives_null_dphi_m(capsys):
    # arcsin inversion at a prior much wider than a fringe: BMSE above the prior variance
    code, out, err = run(["evaluate", "--protocol", "css", "--atoms", "8", "--interrogation-time", "3",
                          "--estimator", "arcsin", "--json"], capsys)
    data = json.loads(out)
    assert code == 0 and data["bmse"] > data["prior_width"] ** 2
    assert err.startswith("qclock: warning: the arcsin estimator") and "worse than not measuring" in err
    assert data["dphi_m"] is None and data["sigma"] is None


# ---------------------------------------------------------------- evaluate: sss
def test_evaluate_sss_default_twist_is_optimised(capsys):
    atoms, width = 12, 0.3
    data = run_json(["evaluate", "--protocol", "sss", "--atoms", str(atoms), "--prior-width", str(width)],
                    capsys)
    assert data["twist_optimised"] is True
    prior = bayes.GaussianPrior(width)
    rebuilt = protocols.sss(atoms, data["twist"], data["rotation"])
    assert bayes.bmse(rebuilt, prior, "bayes") == pytest.approx(data["bmse"], rel=1e-12)
    # no worse than the CSS or than the Kitagawa-Ueda twist with its variance-minimising rotation
    from qclock_circuits.cli.protocol_args import default_twist
    assert data["bmse"] <= bayes.bmse(protocols.css(atoms), prior) + 1e-15
    assert data["bmse"] <= bayes.bmse(protocols.sss(atoms, default_twist(atoms)), prior) + 1e-15


def test_evaluate_sss_explicit_twist_and_rotation(capsys):
    data = run_json(["evaluate", "--protocol", "sss", "--atoms", "8", "--prior-width", "0.2",
                     "--twist", "0.3", "--rotation", "0.7", "--estimator", "linear"], capsys)
    assert (data["twist"], data["rotation"], data["twist_optimised"]) == (0.3, 0.7, False)
    expected = bayes.bmse(protocols.sss(8, 0.3, 0.7), bayes.GaussianPrior(0.2), "linear")
    assert data["bmse"] == pytest.approx(expected, rel=1e-12)
    default_rotation = run_json(["evaluate", "--protocol", "sss", "--atoms", "8", "--prior-width", "0.2",
                                 "--twist", "0.3"], capsys)
    assert default_rotation["rotation"] == pytest.approx(protocols.sss_optimal_rotation(8, 0.3))


# ---------------------------------------------------------------- evaluate: interrogation time
def test_evaluate_interrogation_time_flicker(capsys):
    time = 0.2
    data = run_json(["evaluate", "--protocol", "css", "--atoms", "8", "--interrogation-time", str(time)],
                    capsys)
    assert data["noise"] == "flicker" and data["dead_time"] == 0.0
    assert data["interrogation_time"] == time
    assert data["prior_width"] == pytest.approx(math.sqrt(1.7 * time**2), rel=1e-12)  # eq. (31), flicker
    assert data["sigma"] == pytest.approx(data["dphi_m"] * math.sqrt(time) / time, rel=1e-12)  # eq. (29)


@pytest.mark.parametrize("noise, chi, exponent", [("white", 1.0, 1), ("flicker", 1.7, 2), ("random_walk", 2.0, 3)])
def test_evaluate_interrogation_time_with_dead_time(noise, chi, exponent, capsys):
    time, dead = 0.1, 0.03
    data = run_json(["evaluate", "--protocol", "ghz", "--atoms", "6", "--interrogation-time", str(time),
                     "--noise", noise, "--dead-time", str(dead)], capsys)
    width = math.sqrt(chi * time**exponent + 2.0 * dead**exponent)  # eqs. (31), (42)-(43)
    assert data["prior_width"] == pytest.approx(width, rel=1e-12)
    assert data["bmse"] == pytest.approx(ghz_bmse_a81(6, width), rel=1e-10)
    assert data["sigma"] == pytest.approx(data["dphi_m"] * math.sqrt(time + dead) / time, rel=1e-12)
    point = bayes.stability.stability_point("ghz", 6, time, noise=noise, dead_time=dead)
    assert data["sigma"] == pytest.approx(point.sigma, rel=1e-12)


# ---------------------------------------------------------------- bounds
@pytest.mark.parametrize("atoms, width", [(8, 0.3), (6, 1.0), (3, 0.1)])
def test_bounds_values_and_hierarchy(atoms, width, capsys):
    data = run_json(["bounds", "--atoms", str(atoms), "--prior-width", str(width)], capsys)
    bq, bc, vt = data["bqcrb"], data["bcrb"], data["van_trees"]
    tol = 1e-12
    assert data["oqi"] <= bq["sss"] * (1 + tol) and bq["sss"] <= bq["css"] * (1 + tol)
    assert data["oqi"] <= bq["ghz"] * (1 + tol)
    assert bq["ghz"] == pytest.approx(ghz_bmse_a81(atoms, width), rel=1e-10)
    assert bc["ghz"] == pytest.approx(ghz_bmse_a81(atoms, width), rel=1e-10)
    for name in ("css", "sss", "ghz"):
        assert bq[name] <= bc[name] * (1 + tol)  # optimal measurement beats the protocol's
        assert vt[name] <= bc[name] * (1 + tol)  # van Trees is a lower bound on the exact minimum
    assert data["pi_hl"] == pytest.approx(math.pi**2 / atoms**2, rel=1e-14)
    assert data["ctl"] == pytest.approx(4 * math.pi**2 * erfc(math.pi / (math.sqrt(2) * width)), rel=1e-12)
    assert data["asymptotic_oqi"] == pytest.approx(data["pi_hl"] + data["ctl"], rel=1e-14)
    assert data["oqi_converged"] is True
    assert data["prior_width"] == width and data["atoms"] == atoms
    assert "exact minimum" in data["notes"] and "lower bound" in data["notes"]
    # the sss entries belong to the reported twist and rotation
    prior = bayes.GaussianPrior(width)
    sss = protocols.sss(atoms, data["sss_twist"], data["sss_rotation"])
    assert bayes.bounds.bqcrb(sss, prior) == pytest.approx(bq["sss"], rel=1e-12)
    assert bayes.bmse(sss, prior, "bayes") == pytest.approx(bc["sss"], rel=1e-12)
    assert vt["css"] == pytest.approx(bayes.bounds.van_trees(protocols.css(atoms), prior), rel=1e-12)


def test_bounds_sss_twist_is_a_minimum_of_the_bqcrb(capsys):
    atoms, width = 10, 0.3
    data = run_json(["bounds", "--atoms", str(atoms), "--prior-width", str(width)], capsys)
    prior = bayes.GaussianPrior(width)
    assert data["bqcrb"]["sss"] < 0.9 * data["bqcrb"]["css"]  # squeezing helps at this width
    for twist in np.geomspace(1e-3, np.pi, 25):
        assert data["bqcrb"]["sss"] <= bayes.bounds.bqcrb(protocols.sss(atoms, twist), prior) * (1 + 1e-12)
    for d_twist, d_rotation in [(1e-3, 0), (-1e-3, 0), (0, 1e-3), (0, -1e-3)]:
        nearby = protocols.sss(atoms, data["sss_twist"] + d_twist, data["sss_rotation"] + d_rotation)
        assert data["bqcrb"]["sss"] <= bayes.bounds.bqcrb(nearby, prior) * (1 + 1e-12)


def test_bounds_interrogation_time_and_bcrb_matches_evaluate(capsys):
    time = 0.15
    data = run_json(["bounds", "--atoms", "5", "--interrogation-time", str(time), "--noise", "white"], capsys)
    assert data["prior_width"] == pytest.approx(math.sqrt(time), rel=1e-12)
    assert (data["interrogation_time"], data["dead_time"], data["noise"]) == (time, 0.0, "white")
    css = run_json(["evaluate", "--protocol", "css", "--atoms", "5", "--interrogation-time", str(time),
                    "--noise", "white"], capsys)
    assert data["bcrb"]["css"] == pytest.approx(css["bmse"], rel=1e-12)


# ---------------------------------------------------------------- text output
def test_text_outputs(capsys):
    code, out, err = run(["evaluate", "--protocol", "css", "--atoms", "4", "--interrogation-time", "0.1"], capsys)
    assert code == 0 and err == ""
    assert out.startswith("CSS: N = 4")
    assert "dphi_M = " in out and "sigma_y(tau)" in out and "estimator table:" in out
    code, out, err = run(["bounds", "--atoms", "4", "--prior-width", "0.5"], capsys)
    assert code == 0 and err == ""
    assert out.startswith("Bounds on the BMSE (rad^2), N = 4")
    for word in ("BQCRB", "van Trees", "OQI", "pi-HL", "CTL", "asymptotic OQI"):
        assert word in out


# ---------------------------------------------------------------- errors
EVAL = ["evaluate", "--protocol", "css", "--atoms", "8"]
BAD_INPUT = [
    ([*EVAL, "--prior-width", "0"], "--prior-width"),
    ([*EVAL, "--prior-width", "-0.3"], "--prior-width"),
    ([*EVAL, "--prior-width", "nan"], "--prior-width"),
    ([*EVAL, "--prior-width", "inf"], "--prior-width"),
    ([*EVAL, "--prior-width", "abc"], "--prior-width"),
    ([*EVAL], "--prior-width"),
    ([*EVAL, "--prior-width", "0.3", "--interrogation-time", "0.1"], "not allowed"),
    ([*EVAL, "--interrogation-time", "0"], "--interrogation-time"),
    ([*EVAL, "--interrogation-time", "nan"], "--interrogation-time"),
    ([*EVAL, "--interrogation-time", "0.1", "--dead-time", "-1"], "--dead-time"),
    ([*EVAL, "--interrogation-time", "0.1", "--noise", "pink"], "--noise"),
    ([*EVAL, "--prior-width", "0.3", "--noise", "white"], "--noise"),
    ([*EVAL, "--prior-width", "0.3", "--dead-time", "0.1"], "--dead-time"),
    ([*EVAL, "--prior-width", "0.3", "--estimator", "mle"], "--estimator"),
    ([*EVAL, "--prior-width", "0.3", "--twist", "0.2"], "--twist"),
    ([*EVAL, "--prior-width", "0.3", "--readout", "jz"], "--readout"),
    (["evaluate", "--protocol", "css", "--atoms", "0", "--prior-width", "0.3"], "atoms"),
    (["evaluate", "--protocol", "css", "--atoms", "-2", "--prior-width", "0.3"], "atoms"),
    (["evaluate", "--protocol", "css", "--atoms", "2.5", "--prior-width", "0.3"], "--atoms"),
    (["evaluate", "--protocol", "poi", "--atoms", "4", "--prior-width", "0.3"], "--protocol"),
    (["evaluate", "--atoms", "4", "--prior-width", "0.3"], "--protocol"),
    (["evaluate", "--protocol", "sss", "--atoms", "4", "--prior-width", "0.3", "--twist", "nan"], "twist"),
    (["evaluate", "--protocol", "sss", "--atoms", "4", "--prior-width", "0.3", "--rotation", "1"], "--twist"),
    (["evaluate", "--protocol", "ghz", "--atoms", "4", "--prior-width", "0.3", "--readout", "jz",
      "--estimator", "arcsin"], "arcsin"),
    (["bounds", "--atoms", "0", "--prior-width", "0.3"], "atoms"),
    (["bounds", "--atoms", "8"], "--prior-width"),
    (["bounds", "--atoms", "8", "--prior-width", "0.3", "--interrogation-time", "1"], "not allowed"),
    (["bounds", "--atoms", "8", "--prior-width", "nan"], "--prior-width"),
    (["bounds", "--atoms", "8", "--prior-width", "-1"], "--prior-width"),
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
def test_evaluate_in_subprocess():
    result = subprocess.run(
        [sys.executable, "-m", "qclock_circuits", "evaluate", "--protocol", "ghz", "--atoms", "5",
         "--prior-width", "0.2", "--json"],
        capture_output=True, text=True, env=_subprocess_env(), timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["bmse"] == pytest.approx(ghz_bmse_a81(5, 0.2), rel=1e-10)
