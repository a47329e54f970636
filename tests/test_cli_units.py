"""The unit rule of the command line: a run given in seconds with --coherence-time equals the run in units of Z."""

from __future__ import annotations

import json

import pytest

from qclock_circuits.cli.main import main

Z = 2.5  # coherence time in seconds used for the conversions below


def run_json(argv, capsys) -> dict:
    code = main([*argv, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def test_evaluate_in_seconds_equals_units_of_z(capsys):
    base = ["evaluate", "--protocol", "sss", "--atoms", "6", "--noise", "random_walk"]
    in_z = run_json([*base, "--interrogation-time", "0.08", "--dead-time", "0.02"], capsys)
    in_s = run_json([*base, "--interrogation-time", str(0.08 * Z), "--dead-time", str(0.02 * Z),
                     "--coherence-time", str(Z)], capsys)
    assert (in_z["time_unit"], in_z["coherence_time"]) == ("Z", None)
    assert (in_s["time_unit"], in_s["coherence_time"]) == ("s", Z)
    assert in_s["interrogation_time"] == pytest.approx(0.08 * Z) and in_s["dead_time"] == pytest.approx(0.02 * Z)
    for key in ("prior_width", "bmse", "dphi_m", "sigma", "twist", "rotation"):
        assert in_s[key] == pytest.approx(in_z[key], rel=1e-9), key
    # an independent route: eq. (29) sigma = dphi_M sqrt(T + T_D) / T with T, T_D in units of Z
    assert in_z["sigma"] == pytest.approx(in_z["dphi_m"] * (0.1 ** 0.5) / 0.08, rel=1e-12)


def test_brownian_is_an_alias_on_the_command_line(capsys):
    base = ["evaluate", "--protocol", "css", "--atoms", "4", "--interrogation-time", "0.1"]
    assert run_json([*base, "--noise", "brownian"], capsys) == run_json([*base, "--noise", "random_walk"], capsys)


def test_bounds_in_seconds_equals_units_of_z(capsys):
    in_z = run_json(["bounds", "--atoms", "3", "--interrogation-time", "0.2"], capsys)
    in_s = run_json(["bounds", "--atoms", "3", "--interrogation-time", str(0.2 * Z), "--coherence-time", str(Z)],
                    capsys)
    assert in_s["time_unit"] == "s" and in_z["time_unit"] == "Z"
    for key in ("prior_width", "oqi", "ctl", "pi_hl"):
        assert in_s[key] == pytest.approx(in_z[key], rel=1e-9)
    assert in_s["bqcrb"] == pytest.approx(in_z["bqcrb"], rel=1e-9)


def test_simulate_in_seconds_equals_units_of_z(capsys):
    base = ["simulate", "--protocol", "css", "--atoms", "4", "--cycles", "4000", "--seed", "7"]
    in_z = run_json([*base, "--interrogation-time", "0.1", "--dead-time", "0.05"], capsys)
    in_s = run_json([*base, "--interrogation-time", str(0.1 * Z), "--dead-time", str(0.05 * Z),
                     "--coherence-time", str(Z)], capsys)
    assert (in_z["time_unit"], in_s["time_unit"]) == ("Z", "s")
    assert in_s["adev"]["tau"] == pytest.approx([Z * t for t in in_z["adev"]["tau"]], rel=1e-12)
    assert in_s["adev"]["sigma"] == pytest.approx(in_z["adev"]["sigma"], rel=1e-9)
    assert in_s["fit_min_tau"] == pytest.approx(Z * in_z["fit_min_tau"], rel=1e-12)
    for key in ("sigma_scaled", "theory_sigma", "dick_sigma", "prior_width", "phase_rms"):
        assert in_s[key] == pytest.approx(in_z[key], rel=1e-9), key


@pytest.mark.parametrize("argv, message", [
    (["evaluate", "--protocol", "css", "--atoms", "4", "--prior-width", "0.3", "--coherence-time", "2"],
     "--coherence-time applies only with --interrogation-time"),
    (["simulate", "--protocol", "css", "--atoms", "4", "--interrogation-time", "0.1", "--coherence-time", "0"],
     "--coherence-time must be a finite number > 0 (seconds)"),
    (["simulate", "--protocol", "css", "--atoms", "4", "--interrogation-time", "-1", "--coherence-time", "2"],
     "--interrogation-time must be a finite number > 0 (seconds)"),
])
def test_unit_mistakes_are_one_line(argv, message, capsys):
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and message in err and err.count("\n") == 1


def test_positional_protocol_name_is_a_deprecated_spelling(capsys):
    assert main(["protocol", "show", "--protocol", "sss", "--atoms", "4", "--json"]) == 0
    new, err = capsys.readouterr()
    assert err == ""
    assert main(["protocol", "show", "sss", "--atoms", "4", "--json"]) == 0
    old, err = capsys.readouterr()
    assert old == new and "positional protocol name is deprecated" in err and "--protocol sss" in err
    assert main(["protocol", "show", "--atoms", "4"]) == 2
    assert "required: --protocol" in capsys.readouterr().err


@pytest.mark.slow
def test_design_in_seconds_equals_units_of_z(tmp_path, capsys):
    base = ["design", "--atoms", "2", "--classes", "css", "--serial", "--noise", "random_walk"]
    in_z = run_json([*base, "--interrogation-times", "0.05,0.1,0.2", "--dead-time", "0.02",
                     "--out", str(tmp_path / "z")], capsys)
    in_s = run_json([*base, "--interrogation-times", ",".join(str(t * Z) for t in (0.05, 0.1, 0.2)),
                     "--dead-time", str(0.02 * Z), "--coherence-time", str(Z), "--out", str(tmp_path / "s")], capsys)
    assert (in_z["time_unit"], in_s["time_unit"]) == ("Z", "s")
    for row_z, row_s in zip(in_z["summary"], in_s["summary"]):
        assert row_s["class"] == row_z["class"]
        assert row_s["sigma_min"] == pytest.approx(row_z["sigma_min"], rel=1e-9)
        assert row_s["t_min"] == pytest.approx(Z * row_z["t_min"], rel=1e-12)
    assert in_s["recommendation"]["interrogation_time"] == pytest.approx(
        Z * in_z["recommendation"]["interrogation_time"], rel=1e-12)
