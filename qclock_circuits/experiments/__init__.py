"""Clock protocols as qiskit-experiments experiments, and their optimisation on the device.

:class:`RamseyClockExperiment` runs a :class:`~qclock_circuits.protocols.RamseyProtocol`
at a list of phases (``experiment.run(backend, shots=...)`` → ``ExperimentData``);
:class:`RamseyClockAnalysis` turns the counts into posteriors, phase estimates,
the measured BMSE against the applied phases and a χ² goodness-of-fit test
against the exact collective engine. :func:`optimize_on_device` optimises a
variational class from the device's samples alone (SPSA on the sampled BMSE).

Needs ``qiskit-experiments`` (``pip install "qclock_circuits[hardware]"``).
"""

try:
    import qiskit_experiments  # noqa: F401
except ImportError as exc:  # pragma: no cover - the [hardware] extra is installed with [test]
    raise ImportError("qclock_circuits.experiments needs qiskit-experiments: "
                      "pip install \"qclock_circuits[hardware]\"") from exc

from .on_device import OnDeviceResult, TwistMiscalibratedSampler, optimize_on_device, sampled_bmse, scale_twists
from .ramsey import RamseyClockAnalysis, RamseyClockExperiment, phase_support, shot_mean_squared_error

__all__ = ["RamseyClockExperiment", "RamseyClockAnalysis", "phase_support", "shot_mean_squared_error",
           "optimize_on_device", "OnDeviceResult", "sampled_bmse", "TwistMiscalibratedSampler", "scale_twists"]
