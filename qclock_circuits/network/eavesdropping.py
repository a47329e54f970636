"""Eavesdropping on the clock network (Kómár et al., Nature Physics 10, 582 (2014), main text "Security", appendix B2).

The second of the network's three countermeasures (the others:
:mod:`~qclock_circuits.network.sabotage`, app. B1, and
:mod:`~qclock_circuits.network.center_rotation`, app. B3): the feedback
travels encrypted, so that only the members get the stabilised signal.

Only the free-running LO signals leave a node (the feedback is applied after
the beam splitter); the center's feedback travels phase-modulated with a
secret key. :func:`simulate_eavesdropping` runs K LO traces
(:class:`~qclock_circuits.clock.LocalOscillatorNoise`), a servo on the COM
frequency and the key-modulated feedback, and returns the Allan deviations
seen by the members (stabilised COM) and by an eavesdropper who intercepts
every LO signal and every feedback message but not the key.

Units: phases in rad; frequencies as ω (rad per unit time) with time in the
unit of the LO model (Z for :class:`LocalOscillatorNoise`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

from .._validation import QClockError, check_finite, check_int
from ..clock.allan import AllanResult, overlapping_adev
from ..clock.noise import LocalOscillatorNoise, make_rng
from .cascade import wrap_phase
from .sabotage import _positive

__all__ = [
    "encode_feedback",
    "decode_feedback",
    "com_servo",
    "EavesdroppingResult",
    "simulate_eavesdropping",
]


def encode_feedback(correction, key, feedback_range: float) -> np.ndarray:
    """Phase-modulate feedback values with a key: ``ψ = wrap(π c / c_max + κ)``.

    Parameters
    ----------
    correction : array_like
        Feedback values c (rad per unit time), ``|c| < c_max``.
    key : array_like
        Key phases κ (rad), uniform on ``[−π, π)`` and secret (shared by QKD in the paper).
    feedback_range : float
        c_max > 0, the largest feedback the modulation carries.

    Returns
    -------
    ndarray
        Transmitted phases ψ in ``[−π, π)``; without κ they are uniform and
        carry no information on c.

    Raises
    ------
    QClockError
        If ``feedback_range`` is not > 0, ``key`` and ``correction`` differ in
        shape, or some ``|c| ≥ c_max``.
    """
    c_max = _positive(feedback_range, "feedback_range", "rad per unit time")
    correction = np.asarray(correction, dtype=float)
    key = np.asarray(key, dtype=float)
    if correction.shape != key.shape:
        raise QClockError(f"key must have the shape of correction {correction.shape}, got {key.shape}")
    if correction.size and not np.all(np.abs(correction) < c_max):
        worst = float(np.max(np.abs(correction)))
        raise QClockError(f"feedback_range must exceed every |correction|, got feedback_range={c_max} "
                          f"and |correction| up to {worst}")
    return wrap_phase(math.pi * correction / c_max + key)


def decode_feedback(transmitted, key, feedback_range: float) -> np.ndarray:
    """Invert :func:`encode_feedback`: ``c = c_max wrap(ψ − κ)/π``.

    Parameters
    ----------
    transmitted : array_like
        Transmitted phases ψ (rad).
    key : array_like
        Key phases κ (rad), as used to encode.
    feedback_range : float
        c_max > 0 (rad per unit time).

    Returns
    -------
    numpy.ndarray
        Feedback values c (rad per unit time).

    Raises
    ------
    QClockError
        If ``feedback_range`` is not > 0.
    """
    c_max = _positive(feedback_range, "feedback_range", "rad per unit time")
    return c_max * wrap_phase(np.asarray(transmitted, dtype=float) - np.asarray(key, dtype=float)) / math.pi


def com_servo(com_frequency, measurement_noise: float, gain: float = 1.0, seed=None) -> tuple[np.ndarray, np.ndarray]:
    """Integrating servo on the COM frequency, one correction per cycle.

    In cycle k the stabilised COM frequency is ``s_k = ω_COM,k + c_k``; the
    center's estimate of it is ``m_k = s_k + e_k`` with ``e_k ~ N(0, σ_m²)``
    (a COM phase error Δφ over a dark time T gives ``σ_m = Δφ/T``), and the
    next correction is ``c_{k+1} = c_k − g m_k`` (``c_0 = 0``). For ``g = 1``,
    ``s_k = ω_COM,k − ω_COM,k−1 − e_{k−1}``.

    Parameters
    ----------
    com_frequency : array_like, 1-D
        ω_COM per cycle (rad per unit time), as measured by the atoms.
    measurement_noise : float
        σ_m ≥ 0 (rad per unit time).
    gain : float
        g in (0, 2) (the loop is stable for ``0 < g < 2``).
    seed : None, int, SeedSequence or Generator
        Source of the measurement errors.

    Returns
    -------
    corrections, errors : ndarray
        c_k and the measurement errors e_k, both of the length of ``com_frequency``.

    Raises
    ------
    QClockError
        If ``com_frequency`` is not a non-empty 1-D finite array,
        ``measurement_noise`` < 0, or ``gain`` is outside (0, 2).
    """
    com = np.asarray(com_frequency, dtype=float)
    if com.ndim != 1 or com.size < 1 or not np.all(np.isfinite(com)):
        raise QClockError(f"com_frequency must be a non-empty 1-D array of finite numbers, got shape {com.shape}")
    sigma = check_finite(measurement_noise, "measurement_noise")
    if sigma < 0:
        raise QClockError(f"measurement_noise must be >= 0 (rad per unit time), got {sigma}")
    gain = check_finite(gain, "gain")
    if not 0.0 < gain < 2.0:
        raise QClockError(f"gain must be in (0, 2) for a stable integrating servo, got {gain}")
    errors = sigma * make_rng(seed).standard_normal(com.size)
    # c_{k+1} = (1 − g) c_k − g (ω_k + e_k), c_0 = 0: a first-order recursive filter
    corrections = lfilter([0.0, -gain], [1.0, gain - 1.0], com + errors)
    return corrections, errors


@dataclass(frozen=True, eq=False)
class EavesdroppingResult:
    """Allan deviations of what the members and an eavesdropper can synthesise (app. B2).

    Parameters
    ----------
    stabilised : AllanResult
        COM frequency with the decoded feedback applied (the members' signal).
    eavesdropper : AllanResult
        COM of the intercepted LO signals: the free-running COM, the best the
        eavesdropper can synthesise.
    eavesdropper_feedback : AllanResult
        The intercepted COM plus the intercepted feedback decoded with a
        guessed key (independent of the real one).
    single_node : AllanResult
        Free-running LO of node 0, for scale.
    nodes, cycles : int
        Clocks K and cycles simulated.
    interrogation_time, dead_time, measurement_noise, gain, feedback_range : float
        T and T_D (the LOs' time unit, Z), the centre's frequency-measurement
        error σ_m = Δφ/T (rad per unit time), the servo gain g and the
        feedback range c_max (rad per unit time) of :func:`simulate_eavesdropping`.
    key_correlation : float
        Sample correlation of the transmitted phases with the feedback
        (≈ 0: the ciphertext reveals nothing without the key).
    """

    stabilised: AllanResult
    eavesdropper: AllanResult
    eavesdropper_feedback: AllanResult
    single_node: AllanResult
    nodes: int
    cycles: int
    interrogation_time: float
    dead_time: float
    measurement_noise: float
    gain: float
    feedback_range: float
    key_correlation: float

    def ratio(self) -> np.ndarray:
        """``σ_eavesdropper(τ)/σ_stabilised(τ)`` at each τ (> 1: the members' signal is better).

        Returns
        -------
        numpy.ndarray
            The ratio at each averaging time of ``stabilised.tau``.
        """
        return self.eavesdropper.sigma / self.stabilised.sigma

    def to_dict(self) -> dict:
        """Plain JSON-compatible data.

        Returns
        -------
        dict
            The object's data (JSON types only); :meth:`from_dict` reads it back.
        """
        out = {name: getattr(self, name) for name in ("nodes", "cycles", "interrogation_time", "dead_time",
                                                      "measurement_noise", "gain", "feedback_range",
                                                      "key_correlation")}
        for name in ("stabilised", "eavesdropper", "eavesdropper_feedback", "single_node"):
            out[name] = getattr(self, name).to_dict()
        return out

    @classmethod
    def from_dict(cls, data: Mapping) -> EavesdroppingResult:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            A dictionary as written by :meth:`to_dict`.

        Returns
        -------
        EavesdroppingResult
            The reconstructed object.
        """
        adevs = {name: AllanResult.from_dict(data[name])
                 for name in ("stabilised", "eavesdropper", "eavesdropper_feedback", "single_node")}
        return cls(nodes=int(data["nodes"]), cycles=int(data["cycles"]),
                   interrogation_time=float(data["interrogation_time"]), dead_time=float(data["dead_time"]),
                   measurement_noise=float(data["measurement_noise"]), gain=float(data["gain"]),
                   feedback_range=float(data["feedback_range"]), key_correlation=float(data["key_correlation"]),
                   **adevs)


def simulate_eavesdropping(local_oscillators, cycles: int, interrogation_time: float, dead_time: float = 0.0, *,
                           phase_noise: float = 0.1, gain: float = 1.0, nodes: int | None = None, taus="octave",
                           seed=None) -> EavesdroppingResult:
    """Members versus an eavesdropper who intercepts every LO signal and feedback message (app. B2).

    Each node's free LO gives the cycle means ``ω_j,k`` (Ramsey and dead
    windows, :meth:`LocalOscillatorNoise.generate`); the COM frequency is their
    mean. The center measures the COM frequency once per cycle over the dark
    time with error ``σ_m = phase_noise / T`` and runs :func:`com_servo` with
    gain g. The correction travels key-modulated (:func:`encode_feedback`,
    one key phase per cycle, range 1.5 × the largest ``|c|``); the members decode
    it and add it to their LO, after the split-off of the signal they send.

    Parameters
    ----------
    local_oscillators : LocalOscillatorNoise or sequence of them
        One LO model per node, or one model shared by ``nodes`` independent
        LOs; all in the same time unit (models built from physical ``h`` must
        have the same coherence time).
    cycles : int
        Clock cycles (≥ 8).
    interrogation_time, dead_time : float
        T > 0 and T_D ≥ 0 (units of the LO model's time, Z).
    phase_noise : float
        Δφ ≥ 0 (rad), error of the center's COM phase per cycle.
    gain : float
        Servo gain g in (0, 2).
    nodes : int, optional
        K when a single LO model is given (≥ 1).
    taus : 'octave' or array_like
        Averaging times for :func:`overlapping_adev` (units of Z, multiples of T_C).
    seed : None, int, SeedSequence or Generator
        One stream: node traces, then measurement errors, then the keys.

    Returns
    -------
    EavesdroppingResult
        Allan deviations of the members' and the eavesdropper's signals.

    Raises
    ------
    QClockError
        If the LO models are missing, of mixed time units, or given with
        ``nodes``; or ``cycles``, ``dead_time``, ``phase_noise`` or ``gain`` is out
        of range.
    """
    if isinstance(local_oscillators, LocalOscillatorNoise):
        count = check_int(1 if nodes is None else nodes, "nodes", 1)
        models = [local_oscillators] * count
    else:
        if nodes is not None:
            raise QClockError(f"nodes applies to a single LO model; got nodes={nodes!r} with a sequence of models")
        models = list(local_oscillators) if isinstance(local_oscillators, Iterable) else []
        if not models or not all(isinstance(m, LocalOscillatorNoise) for m in models):
            raise QClockError("local_oscillators must be a LocalOscillatorNoise or a non-empty sequence of them, "
                              f"got {local_oscillators!r}")
    units = sorted({m.coherence_time for m in models if m.coherence_time is not None})
    if len(units) > 1:
        raise QClockError("local_oscillators must share one time unit (coherence time Z), got coherence_time "
                          f"values {units} s")
    cycles = check_int(cycles, "cycles", 8)
    period = _positive(interrogation_time, "interrogation_time", "units of Z")
    dead = check_finite(dead_time, "dead_time")
    if dead < 0:
        raise QClockError(f"dead_time must be >= 0 (units of Z), got {dead}")
    phase_noise = check_finite(phase_noise, "phase_noise")
    if phase_noise < 0:
        raise QClockError(f"phase_noise must be >= 0 (rad), got {phase_noise}")
    rng = make_rng(seed)
    cycle_time = period + dead
    ramsey = np.empty((len(models), cycles))
    cycle_means = np.empty((len(models), cycles))
    for j, model in enumerate(models):
        r, d, _ = model.generate(cycles, period, dead, seed=rng)
        ramsey[j] = r
        cycle_means[j] = (period * r + dead * d) / cycle_time
    com_ramsey = ramsey.mean(axis=0)
    com_cycle = cycle_means.mean(axis=0)
    sigma_m = phase_noise / period
    corrections, _ = com_servo(com_ramsey, sigma_m, gain, seed=rng)
    feedback_range = 1.5 * float(np.max(np.abs(corrections))) or 1.0
    key = rng.uniform(-math.pi, math.pi, cycles)
    transmitted = encode_feedback(corrections, key, feedback_range)
    received = decode_feedback(transmitted, key, feedback_range)
    guessed = decode_feedback(transmitted, rng.uniform(-math.pi, math.pi, cycles), feedback_range)
    key_correlation = float(np.corrcoef(transmitted, corrections)[0, 1]) if np.std(corrections) > 0 else 0.0

    def adev(samples):
        return overlapping_adev(samples, cycle_time, taus)

    return EavesdroppingResult(stabilised=adev(com_cycle + received), eavesdropper=adev(com_cycle),
                               eavesdropper_feedback=adev(com_cycle + guessed), single_node=adev(cycle_means[0]),
                               nodes=len(models), cycles=cycles, interrogation_time=period, dead_time=dead,
                               measurement_noise=sigma_m, gain=float(gain), feedback_range=feedback_range,
                               key_correlation=key_correlation)

