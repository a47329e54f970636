"""Clock protocols as qiskit-experiments experiments, on any backend.

:class:`RamseyClockExperiment` runs a :class:`~qclock_circuits.protocols.RamseyProtocol`
at a list of phases (``experiment.run(backend, shots=...)`` → ``ExperimentData``);
:class:`RamseyClockAnalysis` turns the counts into posteriors, phase estimates,
the measured BMSE against the applied phases and a χ² goodness-of-fit test
against the exact collective engine.

Needs ``qiskit-experiments`` (``pip install "qclock_circuits[hardware]"``).
"""

from .ramsey import RamseyClockAnalysis, RamseyClockExperiment, phase_support

__all__ = ["RamseyClockExperiment", "RamseyClockAnalysis", "phase_support"]
