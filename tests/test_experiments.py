"""RamseyClockExperiment on qiskit-experiments: circuits, run on Aer and fake devices, analysis, bad input."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("qiskit_experiments")

from qiskit_aer import AerSimulator  # noqa: E402

from qclock_circuits import bayes, protocols  # noqa: E402
from qclock_circuits._validation import QClockError  # noqa: E402
from qclock_circuits.circuits import protocol_to_circuit  # noqa: E402
from qclock_circuits.experiments import RamseyClockExperiment, phase_support  # noqa: E402

PRIOR = bayes.GaussianPrior(width=0.5)


def _results(data) -> dict:
    frame = data.analysis_results(dataframe=True)
    out = {}
    for _, row in frame.iterrows():
        out.setdefault(row["name"], []).append(row)
    return out


class _WrongSign(RamseyClockExperiment):
    """Imprints −φ while the metadata say φ: the analysis must reject it."""

    def circuits(self):
        circuits = super().circuits()
        for circuit, phase in zip(circuits, self.experiment_options.phases):
            wrong = protocol_to_circuit(self.protocol, phase=-phase)
            circuit.data = wrong.data
        return circuits


@pytest.fixture(scope="module")
def run_sss():
    experiment = RamseyClockExperiment(protocols.sss(4, twist=0.3), prior=PRIOR, num_phases=8, seed=1)
    data = experiment.run(AerSimulator(seed_simulator=3), shots=2000).block_for_results()
    return experiment, data


def test_experiment_circuits_carry_phase_and_protocol():
    protocol = protocols.css(3)
    experiment = RamseyClockExperiment(protocol, phases=[-0.2, 0.4], prior=PRIOR)
    circuits = experiment.circuits()
    assert [c.metadata["phase"] for c in circuits] == [-0.2, 0.4]
    assert all(c.metadata["protocol"] == protocol.to_dict() and not c.parameters for c in circuits)
    assert experiment.physical_qubits == (0, 1, 2)
    assert experiment.run_options.shots == 1024


def test_run_on_aer_matches_the_exact_prediction(run_sss):
    experiment, data = run_sss
    results = _results(data)
    measured = results["bmse"][0]["value"]
    expected = results["bmse_expected"][0]["value"]
    assert abs(measured.nominal_value - expected) < 4 * measured.std_dev
    assert measured.std_dev < 0.05 * measured.nominal_value
    assert results["bmse_prior"][0]["value"] == pytest.approx(bayes.bmse(experiment.protocol, PRIOR, "bayes"))
    fit = results["goodness_of_fit"][0]
    assert fit["value"] > 1e-3 and fit["quality"] == "good"
    estimates = results["phase_estimate"]
    assert len(estimates) == 8
    z = [(row["value"].nominal_value - row["applied_phase"]) / row["value"].std_dev for row in estimates]
    assert max(abs(v) for v in z) < 4.5
    assert len(data.figure_names) == 1


def test_goodness_of_fit_rejects_a_wrong_sign():
    experiment = _WrongSign(protocols.sss(4, twist=0.3), prior=PRIOR, num_phases=8, seed=1)
    data = experiment.run(AerSimulator(seed_simulator=3), shots=2000).block_for_results()
    results = _results(data)
    assert results["goodness_of_fit"][0]["value"] < 1e-6
    assert results["goodness_of_fit"][0]["quality"] == "bad"
    measured = results["bmse"][0]["value"]
    assert measured.nominal_value - results["bmse_expected"][0]["value"] > 10 * measured.std_dev


def test_run_on_a_calibrated_fake_device():
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    experiment = RamseyClockExperiment(protocols.css(2), phases=[-0.3, 0.0, 0.3], prior=PRIOR,
                                       physical_qubits=[1, 2])
    data = experiment.run(FakeManilaV2(), shots=300, seed_simulator=1).block_for_results()
    results = _results(data)
    assert results["bmse"][0]["value"].nominal_value > 0
    assert len(results["phase_estimate"]) == 3


def test_experiment_bad_input():
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    with pytest.raises(QClockError, match=r"phases \[3.0\] lie outside the prior's support \[-1.2, 1.2\]"):
        RamseyClockExperiment(protocols.css(2), phases=[0.1, 3.0], prior=bayes.GaussianPrior(width=0.1))
    with pytest.raises(QClockError, match="has 5 qubits, fewer than the 6 atoms"):
        RamseyClockExperiment(protocols.css(6), phases=[0.1], prior=PRIOR, backend=FakeManilaV2())
    experiment = RamseyClockExperiment(protocols.css(2), phases=[0.1], prior=PRIOR)
    with pytest.raises(QClockError, match="shots must be an integer >= 1, got 0"):
        experiment.run(AerSimulator(), shots=0)
    with pytest.raises(QClockError, match="phases must be a non-empty list"):
        experiment.set_experiment_options(phases=[])
    with pytest.raises(TypeError, match="prior must be a GaussianPrior or GridPrior"):
        RamseyClockExperiment(protocols.css(2), phases=[0.1], prior=0.5)
    with pytest.raises(QClockError, match="physical_qubits must name 2 qubits"):
        RamseyClockExperiment(protocols.css(2), phases=[0.1], prior=PRIOR, physical_qubits=[0])
    assert phase_support(bayes.GaussianPrior(width=0.1, mean=0.2)) == pytest.approx((-1.0, 1.4))
