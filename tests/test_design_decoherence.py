"""The design study and the variational search on decohering atoms."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qclock_circuits import bayes, protocols
from qclock_circuits.cli.main import main
from qclock_circuits.optimize.stability import class_point, squeezed_start
from qclock_circuits.optimize.variational import parameter_bounds, refine_under_noise
from qclock_circuits.protocols import AtomicDecoherence
from qclock_circuits.report import DesignSpec, run_design, write_design

ATOMS = AtomicDecoherence(t1=5.0, t2=1.0, readout_error=0.01, twisting_rate=20.0, twist_decay_rate=2.0)


@pytest.mark.parametrize("atoms, n, m", [(6, 1, 1), (7, 1, 2), (5, 2, 1)])
def test_squeezed_start_embeds_the_sss_in_the_variational_class(atoms, n, m):
    squeezed = protocols.sss(atoms, 0.35)
    values = squeezed_start(atoms, n, m, *squeezed.parameters)
    bounds = np.array(parameter_bounds(n, m))
    assert np.all((values >= bounds[:, 0]) & (values <= bounds[:, 1]))
    phases = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(protocols.variational(atoms, n, m, values).probabilities(phases),
                               squeezed.probabilities(phases), atol=1e-12)


def test_noise_aware_variational_point_is_never_worse_than_the_noise_aware_squeezed_state():
    from qclock_circuits.bayes.stability import stability_point

    time = 0.1
    noisy = class_point("1-1", 8, time, seed=1, decoherence=ATOMS)
    sss = stability_point("sss", 8, time, decoherence=ATOMS)
    ideal = class_point("1-1", 8, time, seed=1)
    assert noisy.sigma <= sss.sigma * (1 + 1e-9)
    assert noisy.sigma > ideal.sigma
    assert noisy.parameters["local_noise"] == ATOMS.at(time).to_dict()
    assert noisy.parameters["ideal_bmse"] == pytest.approx(ideal.bmse, rel=1e-9)
    # the reported BMSE is the exact noisy BMSE of the reported circuit
    protocol = protocols.variational(8, 1, 1, np.array(noisy.parameters["parameters"])).with_noise(ATOMS.at(time))
    assert bayes.bmse(protocol, bayes.GaussianPrior(noisy.prior_width)) == pytest.approx(noisy.bmse, rel=1e-12)


def test_refine_under_noise_only_improves_its_starts_and_checks_them():
    noise = ATOMS.at(0.2)
    prior = bayes.GaussianPrior(0.3)
    start = np.array(protocols.variational(5, 1, 1).parameters)
    start[0] = 0.4
    before = bayes.bmse(protocols.variational(5, 1, 1, start).with_noise(noise), prior)
    result = refine_under_noise(5, 1, 1, prior, noise, starts=[start], max_iterations=20)
    assert result.bmse <= before
    with pytest.raises(ValueError, match="needs at least one start"):
        refine_under_noise(5, 1, 1, prior, noise, starts=[])
    with pytest.raises(ValueError, match="must have 8 parameters"):
        refine_under_noise(5, 1, 1, prior, noise, starts=[np.zeros(3)])


def test_design_study_on_decohering_atoms_reports_ideal_and_noisy(tmp_path):
    spec = DesignSpec(atoms=4, classes=("css", "sss", "1-1"), interrogation_times=(0.05, 0.15, 0.4),
                      decoherence=ATOMS, advantage_atoms=(4, 6))
    assert DesignSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    result = run_design(spec, tmp_path / "points", backend="serial")
    assert set(result.ideal_curves) == {"css", "sss", "1-1"} and "oqi" not in result.ideal_curves
    summary = result.decoherence_summary()
    for row in summary["rows"]:
        assert row["sigma_noisy"] > row["sigma_ideal"]
    assert [row["atoms"] for row in summary["advantage"]] == [4, 6]
    for row in summary["advantage"]:
        assert 1 < row["gain"] < row["gain_ideal"]
    recommended = protocols.RamseyProtocol.from_dict(result.recommendation()["protocol"])
    assert recommended.noise is not None  # the circuit to run was chosen for, and evaluated on, noisy atoms
    files = write_design(result, tmp_path / "out")
    report = (tmp_path / "out" / files["report"]).read_text()
    assert "## Ideal against decohering atoms" in report and "Under the stated decoherence" in report
    assert "T1 = 5 Z" in report
    again = run_design(spec, tmp_path / "points", backend="serial")  # resumes: the same numbers
    assert again.to_dict()["decoherence_summary"] == result.to_dict()["decoherence_summary"]


def test_design_command_takes_the_atoms_in_seconds(tmp_path, capsys):
    out = tmp_path / "d"
    code = main(["design", "--atoms", "3", "--coherence-time", "2", "--t1", "10", "--t2", "2",
                 "--readout-error", "0.01", "--classes", "css,sss", "--interrogation-times", "0.1,0.4",
                 "--advantage-atoms", "4", "--serial", "--json", "--out", str(out)])
    assert code == 0
    data = json.loads((out / "results.json").read_text())
    assert data["spec"]["decoherence"]["t1"] == pytest.approx(5.0)  # 10 s = 5 Z
    assert data["spec"]["decoherence"]["t2"] == pytest.approx(1.0)


@pytest.mark.parametrize("argv, message", [
    (["--t2", "-1"], "--t2 must be a finite time > 0 (units of Z), got -1.0"),
    (["--t1", "1", "--t2", "5"], "--t2 = 5.0 exceeds 2*t1"),
    (["--twist-decay-rate", "0.5"], "--twist-decay-rate and --twist-dephasing-rate act during the twists and "
                                    "need their duration: give --twisting-rate or --twist-duration"),
    (["--twisting-rate", "0"], "--twisting-rate must be a finite rate > 0"),
    (["--readout-error", "0.1,0.2,0.3"], "--readout-error takes one or two probabilities"),
    (["--advantage-atoms", "4,8"], "--advantage-atoms needs the atoms' decoherence"),
])
def test_design_command_refuses_bad_decoherence(argv, message, tmp_path, capsys):
    assert main(["design", "--atoms", "3", "--out", str(tmp_path / "x"), *argv]) == 2
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1  # one line


def test_design_on_decohering_atoms_refuses_what_would_take_hours():
    with pytest.raises(ValueError, match="class 1-2 on decohering atoms: N = 16 is too large .* the largest N "
                                         "supported is 12"):
        DesignSpec(atoms=16, classes=("css", "1-2"), decoherence=ATOMS)
    DesignSpec(atoms=16, classes=("css", "1-2"), decoherence=AtomicDecoherence(t2=1.0))  # dark-time noise only
    with pytest.raises(ValueError, match="class sss on decohering atoms: N = 60 .* largest N supported is 48"):
        DesignSpec(atoms=60, classes=("css", "sss"), decoherence=ATOMS)
