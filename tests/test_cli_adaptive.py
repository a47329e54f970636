"""``qclock adaptive``: JSON contract, agreement with the library, one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

import importlib

cli_main = importlib.import_module("qclock_circuits.cli.main")
from qclock_circuits.clock.adaptive.simulate import compare_protocols

COMMAND = "qclock_circuits.cli.adaptive_cmd"


@pytest.fixture(autouse=True)
def registered(monkeypatch):
    """The command as the lead registers it in ``cli.main.COMMANDS``."""
    if COMMAND not in cli_main.COMMANDS:
        monkeypatch.setattr(cli_main, "COMMANDS", (*cli_main.COMMANDS, COMMAND))


def run(argv, capsys):
    code = cli_main.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


SMALL = ["adaptive", "--atoms", "2", "--noise", "flicker", "--noise-strength", "0.05", "--interrogations", "25", "--runs", "2",
         "--seed", "5"]


def test_json_contract_and_agreement_with_the_library(capsys):
    code, out, err = run([*SMALL, "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert set(data["improvement"]) == {"ramsey", "buzek"}
    for gains in data["improvement"].values():
        assert set(gains) == {"square_error", "allan_variance", "time_allan_variance"}
        assert all(set(g) == {"value", "se", "se_over_times"} for g in gains.values())
    assert set(data["protocols"]) == {"adaptive", "ramsey", "buzek"}
    curves = data["protocols"]["ramsey"]
    assert len(curves["square_error"]) == 25 and len(curves["allan_variance"]) == 12
    assert curves["averaging_time"][:3] == [1.0, 2.0, 3.0]
    assert data["nist_h"] == {"-1": pytest.approx(0.1)}
    assert data["paper"] is None  # not a Table 1 configuration
    library = compare_protocols(2, "flicker", 0.05, 25, runs=2, seed=5)
    for name in ("ramsey", "buzek"):
        for quantity in ("square_error", "allan_variance", "time_allan_variance"):
            assert data["improvement"][name][quantity]["value"] == pytest.approx(
                library["improvement"][name][quantity]["value"], rel=1e-12)
    for name, result in library["results"].items():
        assert data["protocols"][name]["lost_lock_runs"] == int(result.lost_lock.sum())
    assert data["lost_lock_any"] == library["lost_lock_any"]
    assert data["slip_weight"] == 0.01 and data["noise"] == "flicker"
    np.testing.assert_allclose(data["protocols"]["adaptive"]["allan_variance"],
                               library["results"]["adaptive"].mean_allan_variance, rtol=1e-12)


def test_text_output_is_a_table(capsys):
    code, out, err = run(SMALL, capsys)
    assert code == 0, err
    assert "improvement (%)" in out and "ramsey" in out and "buzek" in out
    assert "lost lock" in out


@pytest.mark.parametrize("extra, message", [
    (["--noise-strength", "0"], "--noise-strength must be a finite number > 0"),
    (["--noise-strength", "-1"], "--noise-strength must be a finite number > 0"),
    (["--coherence-time", "2"], "--coherence-time applies with --interrogation-time"),
    (["--interrogation-time", "0.1"], "not allowed with argument"),
    (["--atoms", "13"], "the interrogation SDP supports at most 12 atoms"),
    (["--noise", "white"], "invalid choice"),
    (["--memory", "4"], "--memory must be an integer from 1 to 3"),
    (["--runs", "1"], "--runs must be an integer >= 2"),
    (["--memory", "3", "--noise", "brownian", "--noise-strength", "0.03"], "memory must be <= 2 for this noise"),
    (["--interrogations", "10"], "--interrogations must be an integer >= 25"),
    (["--slip-weight", "0.7"], "--slip-weight must be a number from 0 to 0.5"),
    (["--adaptive-times", "2", "3"], "--adaptive-times must be distinct integers from 1 to 16 including 1"),
    (["--adaptive-times", "1", "1"], "--adaptive-times must be distinct integers"),
    (["--timing-jitter", "0.05"], "need --atomic-frequency"),
    (["--atomic-frequency", "20"], "--atomic-frequency must be a finite number >= 100"),
    (["--atomic-frequency", "200", "--timing-jitter", "0.5"], "--timing-jitter must be a number from 0 to 0.1"),
    (["--atomic-frequency", "200", "--adaptive-times", "1", "2"], "constant T only"),
    (["--truth", "model", "--adaptive-times", "1", "2"], "constant T only"),
])
def test_bad_input_is_one_line(extra, message, capsys):
    code, out, err = run([*SMALL, *extra, "--json"], capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("qclock: error:") and message in err


def test_deprecated_h_option_warns_and_gives_the_same_output(capsys):
    code, out, err = run([*SMALL, "--json"], capsys)
    assert code == 0 and err == ""
    old = [("--h" if word == "--noise-strength" else word) for word in SMALL]
    code, out_old, err_old = run([*old, "--json"], capsys)
    assert code == 0
    assert "option --h is deprecated" in err_old and "--noise-strength" in err_old
    assert _without_timings(json.loads(out_old)) == _without_timings(json.loads(out))


def _without_timings(data: dict) -> dict:
    """The output without the wall-clock ``seconds`` of each protocol."""
    for entry in data["protocols"].values():
        entry.pop("seconds")
    return data


def test_paper_noise_strength_of_the_eq30_laser():
    from qclock_circuits.cli.adaptive_cmd import paper_noise_strength

    # Kielinski & Hammerer eq. (30) without dead time: h_-2 = 3/(2 pi^2), h_-1 = 1/(2 ln 2) in units of Z;
    # in the time unit T (Z units): h_a T^(1-a); Mullan & Knill: h = 2 pi^2 h_-2 (random walk), h_-1 / 2 (flicker)
    assert paper_noise_strength("brownian", 0.2) == pytest.approx(3 * 0.2**3, rel=1e-12)
    assert paper_noise_strength("flicker", 0.3) == pytest.approx(0.3**2 / (4 * np.log(2)), rel=1e-12)


def test_seconds_with_coherence_time_equal_units_of_z(capsys):
    base = ["adaptive", "--atoms", "2", "--noise", "brownian", "--interrogations", "25", "--runs", "2", "--seed", "3",
            "--json"]
    code, out, err = run([*base, "--interrogation-time", "0.2"], capsys)
    assert code == 0, err
    in_z = json.loads(out)
    code, out, err = run([*base, "--interrogation-time", "0.5", "--coherence-time", "2.5"], capsys)
    assert code == 0, err
    in_seconds = json.loads(out)
    assert (in_z["time_unit"], in_seconds["time_unit"]) == ("Z", "s")
    assert in_z["interrogation_time"] == 0.2 and in_seconds["interrogation_time"] == 0.5
    assert in_seconds["coherence_time"] == 2.5 and in_z["coherence_time"] is None
    assert in_z["noise_strength"] == pytest.approx(3 * 0.2**3, rel=1e-12)
    assert in_seconds["noise_strength"] == pytest.approx(in_z["noise_strength"], rel=1e-12)
    assert in_seconds["improvement"] == in_z["improvement"]
    assert in_seconds["protocols"]["adaptive"]["allan_variance"] == pytest.approx(
        in_z["protocols"]["adaptive"]["allan_variance"], rel=1e-9)
@pytest.mark.slow
def test_adaptive_times_option(capsys):
    code, out, err = run([*SMALL, "--adaptive-times", "1", "2", "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["adaptive_times"] == [1, 2]
    library = compare_protocols(2, "flicker", 0.05, 25, runs=2, seed=5, adaptive_times=(1, 2))
    for name, result in library["results"].items():
        assert data["protocols"][name]["mean_interrogation_time"] == pytest.approx(float(result.durations.mean()))
        assert 1.0 <= result.durations.mean() <= 2.0
    assert data["improvement"]["ramsey"]["square_error"]["value"] == pytest.approx(
        library["improvement"]["ramsey"]["square_error"]["value"], rel=1e-12)


def test_truth_and_timing_options_reach_the_library(capsys):
    from qclock_circuits.clock.adaptive.timing import TimingErrors

    code, out, err = run([*SMALL, "--truth", "model", "--atomic-frequency", "150", "--timing-jitter", "0.05",
                          "--timing-strategy", "locked", "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["truth"] == "model"
    assert data["timing"] == {"atomic_frequency": 150.0, "jitter": 0.05, "strategy": "locked"}
    library = compare_protocols(2, "flicker", 0.05, 25, runs=2, seed=5, truth="model",
                                timing=TimingErrors(150.0, 0.05, "locked"))
    assert data["improvement"]["ramsey"]["square_error"]["value"] == pytest.approx(
        library["improvement"]["ramsey"]["square_error"]["value"], rel=1e-12)
