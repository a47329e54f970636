"""The clock loop driven by a Qiskit SamplerV2 (the path to hardware).

Each cycle binds the cycle's residual phase to the protocol's circuit, runs
one shot on the sampler, maps the bitstring to an outcome with the readout
map and hands that outcome to the same loop kernel as the exact mode
(:func:`~.loop.run_loop_block` with ``outcomes=``), one cycle at a time, so
both modes share every line of the servo and fringe logic.
"""

from __future__ import annotations

import numpy as np

from ..circuits import find_bit_array, outcome_counts, phase_parameter, prepare_for_sampler, protocol_to_circuit
from .._validation import QClockError
from .loop import LoopState, run_loop_block
from .sampling import OutcomeTable

__all__ = ["run_sampler_loop"]


def run_sampler_loop(protocol, ramsey, dead, estimates, interrogation_time: float, dead_time: float, servo,
                     sampler=None, seed=None, oat: str = "rzz", state: LoopState | None = None,
                     hop_window: float = 32.0, progress=None):
    """Run ``len(ramsey)`` clock cycles with outcomes measured on ``sampler`` (one shot per cycle).

    Parameters
    ----------
    protocol : RamseyProtocol
        The protocol run on the sampler (its circuit, one shot per cycle).
    ramsey, dead : arrays
        LO frequency (1/Z) averaged over each Ramsey window and dead time.
    estimates : array
        Estimator table aligned with ``protocol.outcomes``.
    interrogation_time : float
        Dark time T (units of Z, > 0).
    dead_time : float
        Dead time T_D (units of Z, ≥ 0).
    servo : Integrator or LinearPredictor
        The feedback.
    sampler : SamplerV2, optional
        Default: Aer's SamplerV2. Every cycle needs a fresh random draw: an
        Aer sampler must therefore be created without a fixed seed (its
        ``seed_simulator`` is then set for each cycle from ``seed``, so runs
        are reproducible); an Aer sampler with a fixed seed is refused. Other
        samplers must give independent shots on every call (e.g.
        ``StatevectorSampler(seed=numpy.random.default_rng(s))``). Noise
        studies: :func:`qclock_circuits.circuits.noisy_sampler` with ``seed=None``.
    seed : None, int or numpy.random.SeedSequence, optional
        Seeds the per-cycle simulator seeds.
    oat : str, optional
        Synthesis of the one-axis twists in the circuit (``"rzz"`` or another
        form of :func:`qclock_circuits.circuits.protocol_to_circuit`).
    state : LoopState, optional
        Continue a loop where a previous call stopped (default: a new loop).
    hop_window : float, optional
        Smoothing length (cycles) for fringe-hop detection.
    progress : callable, optional
        Called as ``progress(done, total)`` after each cycle.

    Returns
    -------
    frequency, phase, outcome_index, hop : numpy.ndarray
        As :func:`~.loop.run_loop_block` (rad per Z, rad, index, ±1/0).

    Raises
    ------
    QClockError
        If ``sampler`` is an Aer SamplerV2 with a fixed seed (it would repeat the
        same draw in every cycle).
    """
    from qiskit_aer.primitives import SamplerV2 as AerSamplerV2

    if sampler is None:
        sampler = AerSamplerV2()
    reseed = isinstance(sampler, AerSamplerV2)
    if reseed and sampler.seed is not None:
        raise QClockError("sampler is an Aer SamplerV2 with the fixed seed "
                          f"{sampler.seed}, which repeats the same random draw in every cycle; create it with "
                          "seed=None (the loop seeds each cycle from its own seed)")
    rng = np.random.default_rng(seed)
    circuit = prepare_for_sampler(protocol_to_circuit(protocol, oat=oat), sampler, seed=seed)
    parameter = phase_parameter(circuit)
    table = OutcomeTable.from_likelihood(protocol)  # unused for draws; keeps one kernel signature
    state = LoopState.initial(servo) if state is None else state
    ramsey = np.asarray(ramsey, dtype=float)
    dead = np.asarray(dead, dtype=float)
    pieces = []
    for k in range(ramsey.shape[0]):
        phase = (ramsey[k] - state.correction) * interrogation_time
        if reseed:
            sampler.options.run_options["seed_simulator"] = int(rng.integers(2**62))
        result = sampler.run([(circuit, {parameter: [phase]})], shots=1).result()
        counts = outcome_counts(protocol, find_bit_array(result[0]))
        index = int(np.flatnonzero(np.asarray(counts).ravel())[0])
        pieces.append(run_loop_block(ramsey[k:k + 1], dead[k:k + 1], np.zeros(1), table, estimates,
                                     interrogation_time, dead_time, servo, state, hop_window,
                                     outcomes=np.array([index])))
        if progress is not None:
            progress(k + 1, ramsey.shape[0])
    return tuple(np.concatenate([piece[i] for piece in pieces]) for i in range(4))
