"""The interrogation the running clock applies for each predicted prior (Mullan & Knill, Phys. Rev. A 90, 042310 (2014), sections IV and VI).

The adaptive protocol solves the SDP of :func:`~.sdp.optimize_interrogation`
(state, POVM and estimates for the eq. (7) cost) for a Gaussian phase prior of
the predicted width and eq. (7) offsets of the predicted slope, mixed with a
phase-slip hypothesis (:func:`slip_robust_prior`); width and slope are quantised
(:data:`WIDTH_RATIO`, :data:`SLOPE_STEP`) and the programs cached per process
and, with :data:`SDP_STORE_VARIABLE` set, in a directory shared by processes.
The baselines — Ramsey and Bužek–Derka–Massar, referenced to the predicted mean
phase (software phase tracking, appendix D) — are fixed interrogations
(:mod:`.baselines`). Every protocol is covariant, so each is computed around
phase 0 and applied at ``φ − φ̄``. Phases in rad.
"""

from __future__ import annotations

import json
import math
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..._validation import QClockError, check_finite
from .baselines import bdm_interrogation, ramsey_interrogation
from .sdp import _complex_from_json, _complex_to_json, gaussian_grid, optimize_interrogation
from .timing import timed_phases

__all__ = ["CLOCK_PROTOCOLS", "SLIP_WEIGHT", "WIDTH_RATIO", "SLOPE_STEP", "SDP_STORE_VARIABLE", "slip_robust_prior"]

#: Interrogation protocols compared in section VI.
CLOCK_PROTOCOLS = ("adaptive", "ramsey", "buzek")
#: Default phase-slip weight ε of the adaptive protocol's SDP prior (:func:`slip_robust_prior`).
SLIP_WEIGHT = 1e-2
#: Ratio between neighbouring quantised prior widths of the cached SDP solutions.
WIDTH_RATIO = 1.02
#: Step of the quantised eq. (7) offset slope b (dimensionless) of the cached SDP solutions.
SLOPE_STEP = 0.02

_SDP_POINTS = 48  # canonical Gaussian grid of the cached programs (± _SDP_SIGMAS widths)
_SDP_SIGMAS = 6.0
_SDP_LABELS = 12
_SDP_ITERATIONS = 6
#: Environment variable naming a directory that keeps the adaptive programs across processes (:func:`_cached_sdp`).
SDP_STORE_VARIABLE = "QCLOCK_ADAPTIVE_SDP_STORE"
_SDP_VERSION = "v1"  # names of stored programs; change with the program settings above
_SLIP_POINTS = 24  # phases of the uniform slip hypothesis in the cached programs' prior


def slip_robust_prior(width: float, slip_weight: float) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian phase prior mixed with a uniform phase-slip hypothesis over [−π, π).

    ``(1 − ε) N(0, width²) + ε U[−π, π)``: the Gaussian on the grid of
    :func:`~.sdp.gaussian_grid` (48 points over ±6 widths) and ε spread over
    24 equally spaced phases (rad). With ε = 0 it is the Gaussian alone.

    Why: for a narrow Gaussian the optimal two-atom interrogation is the
    NOON-like state ``(|0⟩ + |2⟩)/√2``, whose outcome law is π-periodic in φ
    (it only sees 2φ). A frequency error that drifts past π/(2T) then
    lands on the alias and the clock stays locked π/T away (the seed-1 run
    61 of ``qclock adaptive --atoms 2 --noise brownian --noise-strength 0.03``). The
    slip hypothesis makes the program pay for that ambiguity, so it keeps a
    weight on ``|1⟩`` and the interrogation tells φ from φ + π.

    Parameters
    ----------
    width : float
        Standard deviation of the Gaussian part (rad, > 0).
    slip_weight : float
        ε in [0, 0.5].

    Returns
    -------
    (phases, weights) : ndarray, ndarray
        Phases (rad) and weights summing to 1.

    Raises
    ------
    QClockError
        If ``slip_weight`` is not in [0, 0.5] or the width is not > 0.
    """
    slip_weight = check_finite(slip_weight, "slip_weight")
    if not 0.0 <= slip_weight <= 0.5:
        raise QClockError(f"slip_weight must lie in [0, 0.5] (prior probability of a phase slip), got {slip_weight}")
    phases, weights = gaussian_grid(width, _SDP_POINTS, sigmas=_SDP_SIGMAS)
    if slip_weight == 0.0:
        return phases, weights
    uniform = -math.pi + (np.arange(_SLIP_POINTS) + 0.5) * (2.0 * math.pi / _SLIP_POINTS)
    return (np.concatenate([phases, uniform]),
            np.concatenate([(1.0 - slip_weight) * weights, np.full(_SLIP_POINTS, slip_weight / _SLIP_POINTS)]))


@lru_cache(maxsize=4096)
def _cached_sdp(atoms: int, width_index: int, slope_index: int,
                slip_weight: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """State and POVM of the SDP for the quantised slip-robust Gaussian prior around phase 0.

    Cached per process; with the environment variable :data:`SDP_STORE_VARIABLE`
    naming a directory, also kept there as JSON (exact float round trip) and
    shared by every process and later run — the programs are deterministic, so
    results do not depend on the store.
    """
    directory = os.environ.get(SDP_STORE_VARIABLE)
    path = None
    if directory:
        path = Path(directory) / f"sdp-{_SDP_VERSION}-{atoms}-{width_index}-{slope_index}-{slip_weight!r}.json"
        try:
            data = json.loads(path.read_text())
            return _complex_from_json(data["state"]), _complex_from_json(data["povm"])
        except (OSError, ValueError, KeyError):
            pass  # absent or unreadable: solve it again
    width = WIDTH_RATIO**width_index
    slope = SLOPE_STEP * slope_index
    phases, weights = slip_robust_prior(width, slip_weight)
    result = optimize_interrogation(atoms, phases, weights, phase_offsets=slope * phases,
                                    label_count=_SDP_LABELS, max_iterations=_SDP_ITERATIONS)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps({"state": _complex_to_json(result.state),
                                         "povm": _complex_to_json(result.povm)}))
        os.replace(temporary, path)  # atomic: readers see no file or the whole one
    return result.state, result.povm


@lru_cache(maxsize=64)
def _fixed(protocol: str, atoms: int) -> tuple[np.ndarray, np.ndarray]:
    interrogation = ramsey_interrogation(atoms) if protocol == "ramsey" else bdm_interrogation(atoms)
    return interrogation.state, interrogation.povm


def _interrogation(protocol: str, atoms: int, sdp_prior: str, centred: np.ndarray, weights: np.ndarray,
                   offsets: np.ndarray, slip_weight: float = 0.0,
                   coarsening: int = 1) -> tuple[np.ndarray, np.ndarray, tuple]:
    """(state, POVM, cache key) of the interrogation for a prior centred at phase 0.

    ``coarsening`` c > 1 rounds the quantised width and slope indices to
    multiples of c (programs on a c times coarser lattice, a subset of the
    constant-T clock's keys).
    """
    if protocol != "adaptive":
        return (*_fixed(protocol, atoms), ())
    if sdp_prior == "exact":
        keep = weights > 1e-14 * weights.max()
        result = optimize_interrogation(atoms, centred[keep], weights[keep], phase_offsets=offsets[keep],
                                        label_count=_SDP_LABELS, max_iterations=_SDP_ITERATIONS)
        return result.state, result.povm, ()
    variance = float(weights @ centred**2)
    width = math.sqrt(variance)
    slope = float(weights @ (offsets * centred)) / variance
    if coarsening == 1:
        key = (atoms, int(round(math.log(width) / math.log(WIDTH_RATIO))), int(round(slope / SLOPE_STEP)),
               float(slip_weight))
    else:
        key = (atoms, coarsening * int(round(math.log(width) / math.log(WIDTH_RATIO) / coarsening)),
               coarsening * int(round(slope / SLOPE_STEP / coarsening)), float(slip_weight))
    return (*_cached_sdp(*key), key)


def _centred_interrogation(prediction, protocol: str, atoms: int, sdp_prior: str, slip_weight: float,
                           coarsening: int = 1, phases=None, offsets=None) -> tuple:
    """(state, POVM, cache key, mean phase, grid phases minus it) of the protocol's interrogation for a prediction.

    ``phases`` and ``offsets`` replace the prediction's own (``ω_j T`` and eq. (7)'s ``m_j``).
    """
    weights = prediction.frequency_weights
    phases = prediction.phases if phases is None else phases
    offsets = prediction.phase_offsets if offsets is None else offsets
    centre = float(weights @ phases)
    centred = phases - centre
    probe, povm, key = _interrogation(protocol, atoms, sdp_prior, centred, weights, offsets, slip_weight, coarsening)
    return probe, povm, key, centre, centred


def _timed_interrogation(prediction, protocol: str, atoms: int, sdp_prior: str, slip_weight: float, timing,
                         true_frequency: float, timing_error: float) -> tuple:
    """As :func:`_centred_interrogation` with timing errors, plus the true phase minus the centre.

    The end is timed for ω* = the predicted mean frequency; with the
    ``'reparametrised'`` strategy the hypotheses' phases are ``ρ(ω_j)T`` and
    the eq. (7) offsets shift by ``(ω_j − ρ(ω_j))T`` (:func:`~.timing.reparametrise_prior`).
    """
    grid = prediction.state.grid
    estimate = float(prediction.frequency_weights @ grid)
    phases, offsets, true_phase = timed_phases(timing, grid, true_frequency, estimate, prediction.interrogation_time,
                                               timing_error, prediction.phase_offsets)
    probe, povm, key, centre, centred = _centred_interrogation(prediction, protocol, atoms, sdp_prior, slip_weight,
                                                               phases=phases, offsets=offsets)
    return probe, povm, key, centre, centred, true_phase - centre
