"""Sabotage test of the clock network (Kómár et al., Nature Physics 10, 582 (2014), main text "Security", Fig. 4, appendix B1).

The first of the network's three countermeasures (the others:
:mod:`~qclock_circuits.network.eavesdropping`, app. B2, and
:mod:`~qclock_circuits.network.center_rotation`, app. B3): the center tests
whether a node follows the protocol, with the statistics of the test.

Now and then the center tests node j: it teleports ``(|0⟩ + e^{iχ}|1⟩)/√2``
with a secret phase χ drawn uniformly from ``[−π, π)``. An honest node
treats the qubit like any other cycle (local GHZ, LO phase, parity readout,
report); the center subtracts χ from the decoded phase, which gives the node's
LO phase φ_j, and compares it with ``φ_cl,j``: the phase of the LO signal the
node sent, measured classically against the COM signal, plus the center's
estimate of the COM phase. Statistic and acceptance rule (app. B1):

    ``D = wrap(φ̂_j − φ̂_COM − φ_cl,j)``,      accept  ``|D| ≤ w = Λ √(K/N)``

with K clocks, N atoms in total (``n = N/K`` per node). Errors of the
estimates (app. B1): the node's phase ``Δφ_j = √(K/N)`` (projection noise of
its ``n`` atoms) and the COM phase ``Δφ_COM = √(K/((K − K_t) N))`` from the
``K − K_t`` nodes not under test. An honest node therefore gives
``D ~ N(0, σ_D²)`` wrapped to ``[−π, π)``, with

    σ_D² = (K/N) (1 + 1/(K − K_t))          (``com_error=True``)
    σ_D² = K/N                               (``com_error=False``, the paper's 4σ count)

and false-positive rate ``P(|D| > w)``. With ``com_error=False`` this is
``erfc(Λ/√2)``: 6.334 × 10⁻⁵ at Λ = 4, the paper's "0.0063 %". The center's
COM error widens σ_D by ``√(1 + 1/(K − K_t))`` (1.054 for K = 10, K_t = 1).

Two readouts of the node's phase (``READOUTS``): ``"phase"`` draws the
decoded phase with the paper's error ``√(K/N)`` (an efficient estimator of the
node's ``n`` atoms); ``"bits"`` simulates the ``n`` parity bits of ``n``
single-qubit test states, each with its own secret phase χ_i, decoded by the
center as ``arg Σ_i b_i e^{iχ_i}``, whose error ``√(2K/N)`` (large n) is √2
above the paper's, so that Λ = 4 then gives ``erfc(2) = 0.47 %`` false
positives. Falsified reports act on the bits themselves there.

Malicious behaviours (``BEHAVIOURS``):

* ``"random_bits"``: parities reported at random. The node cannot know χ, so
  the decoded phase is uniform on the circle and is accepted with probability
  ``w/π`` (the paper's false-negative estimate ``∼ Λ Δφ/2π``, up to the factor
  2 of a two-sided window); the detection rate is ``1 − w/π``.
* ``"flipped_bits"``: every parity reported with the wrong sign, which adds π
  to the decoded phase (``cos(θ + π) = −cos θ``); ``D`` is centred on π.
* ``"lo_offset"``: the LO signal sent to the center is offset in frequency by
  ``δω`` (rad per unit time) while the node's atoms see the true LO, so the
  classical phase is off by ``lo_offset = δω T`` (rad) and ``D`` is centred
  on ``−lo_offset``.

A node that cheats only in a fraction ``cheat_probability`` of its cycles is
caught per test with ``p (1 − A_mal) + (1 − p)(1 − A_honest)``.

Sign convention: the paper writes the tested phase as ``φ' = χ + φ``; with the
project's imprint ``RZ(−φ)`` per clock qubit (CONVENTIONS.md) the GHZ phase of
a test round is ``χ − n φ`` (:func:`assessment_parity_probability`). Only the
difference of decoded and expected phase enters D, so the sign does not matter.

Units: phases in rad; ``lo_offset = δω T`` with ``δω`` in rad per unit time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from .._validation import QClockError, check_choice, check_finite, check_int
from ..clock.noise import make_rng
from .cascade import wrap_phase

__all__ = [
    "BEHAVIOURS",
    "READOUTS",
    "SabotageStatistics",
    "sabotage_statistics",
    "acceptance_probability",
    "rejection_probability",
    "assessment_parity_probability",
    "SabotageTrials",
    "simulate_sabotage_tests",
    "detection_after_tests",
]

BEHAVIOURS = ("honest", "random_bits", "flipped_bits", "lo_offset")
READOUTS = ("phase", "bits")
_TWO_PI = 2.0 * math.pi
#: Trials drawn per block by :func:`simulate_sabotage_tests` (bounds its memory).
_BLOCK = 1 << 20


def _positive(value, name: str, unit: str) -> float:
    value = check_finite(value, name)
    if value <= 0:
        raise QClockError(f"{name} must be > 0 ({unit}), got {value}")
    return value


def _probability(value, name: str) -> float:
    value = check_finite(value, name)
    if not 0.0 <= value <= 1.0:
        raise QClockError(f"{name} must be a probability in [0, 1], got {value}")
    return value


@dataclass(frozen=True)
class SabotageStatistics:
    """Widths of the sabotage statistic ``D`` for one network size (app. B1).

    Parameters
    ----------
    total_atoms, nodes, tested_nodes : int
        N, K and K_t.
    window : float
        Λ, the half-width of the acceptance range in units of ``√(K/N)``.
    node_std : float
        Error of the node's decoded phase (rad): ``√(K/N)`` for the
        ``"phase"`` readout, ``√(2K/N)`` for ``"bits"``.
    com_std : float
        ``√(K/((K − K_t) N))`` (rad), error of the center's COM phase.
    statistic_std : float
        σ_D (rad): ``√(node_std² + com_std²)``, or ``node_std`` when the
        COM error is left out.
    half_width : float
        ``w = Λ √(K/N)`` (rad).
    com_error : bool
        Whether σ_D includes the COM error.
    readout : str
        ``"phase"`` or ``"bits"`` (:func:`sabotage_statistics`).
    """

    total_atoms: int
    nodes: int
    tested_nodes: int
    window: float
    node_std: float
    com_std: float
    statistic_std: float
    half_width: float
    com_error: bool
    readout: str = "phase"

    @property
    def qubits_per_node(self) -> int:
        """``n = N/K`` (rounded down)."""
        return self.total_atoms // self.nodes

    def to_dict(self) -> dict:
        """Plain JSON-compatible data.

        Returns
        -------
        dict
            The object's data (JSON types only); :meth:`from_dict` reads it back.
        """
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, data: Mapping) -> SabotageStatistics:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            A dictionary as written by :meth:`to_dict`.

        Returns
        -------
        SabotageStatistics
            The reconstructed object.
        """
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})


def sabotage_statistics(window: float, total_atoms: int, nodes: int, tested_nodes: int = 1, *,
                        com_error: bool = True, readout: str = "phase") -> SabotageStatistics:
    """Widths of the test statistic and of the acceptance range (module docstring, B1).

    Parameters
    ----------
    window : float
        Λ > 0, acceptance half-width in units of ``√(K/N)`` (Kómár et al.: Λ = 4).
    total_atoms : int
        N, atoms (clock qubits) of the whole network (≥ ``nodes``).
    nodes : int
        K ≥ 2, clocks in the network.
    tested_nodes : int
        K_t, nodes tested in the same cycle, ``1 ≤ K_t < K``.
    com_error : bool
        Include the center's COM error in σ_D (default); False gives the
        paper's idealised count (σ_D = √(K/N), false positives ``erfc(Λ/√2)``).
    readout : str
        How the node's phase is read (module docstring): ``"phase"``, an
        efficient estimate with the paper's error ``√(K/N)``; ``"bits"``, the
        ``n = N/K`` parity bits of single-qubit test states with independent
        secret phases ``χ_i``, decoded by the center's linear estimator
        ``φ̂ = arg Σ_i b_i e^{iχ_i}``, whose error is ``√(2/n) = √(2K/N)``
        for large n (each bit carries ``E[b e^{iχ}] = e^{iφ}/2`` and a
        transverse variance 1/2). ``"bits"`` needs N divisible by K.

    Returns
    -------
    SabotageStatistics
        σ_D (rad), the acceptance half-width w (rad) and their parts.

    Raises
    ------
    QClockError
        If Λ is not > 0, K < 2, K_t is not in [1, K), N < K, the readout is
        unknown, or N is not divisible by K with ``readout="bits"``.
    """
    window = _positive(window, "window", "units of sqrt(K/N)")
    nodes = check_int(nodes, "nodes", 2)
    total_atoms = check_int(total_atoms, "total_atoms", nodes)
    tested_nodes = check_int(tested_nodes, "tested_nodes", 1)
    if tested_nodes >= nodes:
        raise QClockError(f"tested_nodes must be < nodes = {nodes} (the untested nodes give the COM phase), "
                          f"got {tested_nodes}")
    readout = check_choice(readout, "readout", READOUTS)
    if readout == "bits" and total_atoms % nodes:
        raise QClockError(f"total_atoms must be a multiple of nodes = {nodes} for readout 'bits' (n = N/K qubits "
                          f"per node), got {total_atoms}")
    node_std = math.sqrt((2.0 if readout == "bits" else 1.0) * nodes / total_atoms)
    com_std = math.sqrt(nodes / ((nodes - tested_nodes) * total_atoms))
    statistic_std = math.hypot(node_std, com_std) if com_error else node_std
    return SabotageStatistics(total_atoms=total_atoms, nodes=nodes, tested_nodes=tested_nodes, window=window,
                              node_std=node_std, com_std=com_std, statistic_std=statistic_std,
                              half_width=window * math.sqrt(nodes / total_atoms), com_error=bool(com_error),
                              readout=readout)


def acceptance_probability(offset, std: float, half_width: float) -> np.ndarray | float:
    """``P(|wrap(X)| ≤ w)`` for ``X ~ N(offset, std²)`` wrapped to ``[−π, π)`` (exact).

    The wrapped normal is summed over its images ``offset + 2πk`` until the
    neglected terms are below 10⁻¹⁶. A half-width ``w ≥ π`` accepts everything.

    Parameters
    ----------
    offset : float or array_like
        Centre of D (rad).
    std : float
        σ_D (rad, > 0).
    half_width : float
        w (rad, > 0).

    Returns
    -------
    float or numpy.ndarray
        The acceptance probability, shaped like ``offset``.

    Raises
    ------
    QClockError
        If ``offset`` is not finite or ``std``/``half_width`` is not > 0.
    """
    std = _positive(std, "std", "rad")
    half_width = _positive(half_width, "half_width", "rad")
    mu = np.asarray(offset, dtype=float)
    if not np.all(np.isfinite(mu)):
        raise QClockError(f"offset must be finite phases (rad), got {offset!r}")
    mu = wrap_phase(mu)
    scalar = mu.ndim == 0
    if half_width >= math.pi:
        out = np.ones_like(mu)
        return float(out) if scalar else out
    images = int(math.ceil(9.0 * std / _TWO_PI)) + 2
    k = np.arange(-images, images + 1, dtype=float).reshape((-1,) + (1,) * mu.ndim)
    shifted = mu + _TWO_PI * k
    total = np.sum(ndtr((half_width - shifted) / std) - ndtr((-half_width - shifted) / std), axis=0)
    total = np.clip(total, 0.0, 1.0)
    return float(total) if scalar else total


def rejection_probability(behaviour: str, window: float, total_atoms: int, nodes: int, tested_nodes: int = 1, *,
                          lo_offset: float = 0.0, cheat_probability: float = 1.0,
                          com_error: bool = True, readout: str = "phase") -> float:
    """Probability that one test round rejects the node (analytic, app. B1).

    For ``"honest"`` this is the false-positive rate; for the malicious
    behaviours the detection rate per test. Closed forms: honest
    ``1 − A(0)`` (``erfc(Λ/√2)`` without COM error and for w ≪ π);
    ``"random_bits"`` ``1 − w/π``; ``"flipped_bits"`` ``1 − A(π)``;
    ``"lo_offset"`` ``1 − A(−lo_offset)``, where ``A(μ)`` is
    :func:`acceptance_probability` with σ_D and w of :func:`sabotage_statistics`.
    A part-time cheat mixes with the honest rate by ``cheat_probability``.
    For ``readout="bits"`` the Gaussian law of D is the large-n limit of the
    linear estimator (``"random_bits"`` stays exact: ``arg Σ b_i e^{iχ_i}`` is
    uniform when the bits do not depend on the χ_i).

    Parameters
    ----------
    behaviour : str
        One of :data:`BEHAVIOURS`.
    window, total_atoms, nodes, tested_nodes
        As for :func:`sabotage_statistics`.
    lo_offset : float
        Phase error ``δω T`` (rad) of the LO signal a ``"lo_offset"`` node sends.
    cheat_probability : float
        Fraction of cycles in which a malicious node misbehaves, in [0, 1].
    com_error, readout
        As for :func:`sabotage_statistics`.

    Returns
    -------
    float
        Probability that one test round rejects the node.

    Raises
    ------
    QClockError
        If the behaviour is unknown or an argument is out of range.
    """
    behaviour = check_choice(behaviour, "behaviour", BEHAVIOURS)
    stats = sabotage_statistics(window, total_atoms, nodes, tested_nodes, com_error=com_error, readout=readout)
    lo_offset = check_finite(lo_offset, "lo_offset")
    cheat = _probability(cheat_probability, "cheat_probability")
    honest = _honest_rejection(stats)
    if behaviour == "honest":
        return honest
    if behaviour == "random_bits":
        malicious = 1.0 - min(stats.half_width / math.pi, 1.0)
    else:
        centre = math.pi if behaviour == "flipped_bits" else -lo_offset
        malicious = 1.0 - acceptance_probability(centre, stats.statistic_std, stats.half_width)
    return float(cheat * malicious + (1.0 - cheat) * honest)


def _honest_rejection(stats: SabotageStatistics) -> float:
    """``P(|D| > w)`` for an honest node, without cancellation for small rates."""
    sigma, w = stats.statistic_std, stats.half_width
    if w >= math.pi:
        return 0.0
    direct = 2.0 * float(ndtr(-w / sigma))  # the central image alone
    if sigma * 9.0 < math.pi - w:  # the other images add less than 1e-19
        return direct
    return float(1.0 - acceptance_probability(0.0, sigma, w))


def detection_after_tests(rate, tests) -> np.ndarray | float:
    """Probability that at least one of ``tests`` independent test rounds rejects: ``1 − (1 − p)^m``.

    Parameters
    ----------
    rate : float or array_like
        Rejection probability p of one round, in [0, 1].
    tests : int or array_like
        Number m of test rounds (≥ 0).

    Returns
    -------
    float or numpy.ndarray
        The detection probability, broadcast over ``rate`` and ``tests``.

    Raises
    ------
    QClockError
        If a rate is not a probability in [0, 1] or ``tests`` is not an integer ≥ 1.
    """
    rate = np.asarray(rate, dtype=float)
    if np.any(~np.isfinite(rate)) or np.any((rate < 0) | (rate > 1)):
        raise QClockError(f"rate must be probabilities in [0, 1], got {rate.tolist()!r}")
    tests = check_int(tests, "tests", 1)
    with np.errstate(divide="ignore"):  # rate 1: log1p(−1) = −inf, and the result is exactly 1
        out = -np.expm1(tests * np.log1p(-rate))
    return float(out) if out.ndim == 0 else out


def assessment_parity_probability(secret_phase, lo_phase, qubits: int, contrast: float = 1.0):
    """``P(parity = +1)`` of one test round at a node of ``n`` clock qubits.

    The teleported ``(|0⟩ + e^{iχ}|1⟩)/√2`` is fanned out (CNOTs) to the
    node's GHZ state ``(|0…0⟩ + e^{iχ}|1…1⟩)/√2``; the imprint ``RZ(−φ)`` on each
    qubit adds ``e^{−inφ}`` to ``|1…1⟩``; the X-basis parity then gives

        P(+1) = (1 + C cos(χ − n φ))/2.

    The paper's ``φ' = χ + φ`` counts the GHZ phase with the opposite sign and
    ``φ`` per node (``n φ`` here).

    Parameters
    ----------
    secret_phase : float or array_like
        χ (rad).
    lo_phase : float or array_like
        φ, the LO phase per clock qubit over the dark time (rad).
    qubits : int
        n ≥ 1.
    contrast : float
        C in [0, 1] (1 for a perfect teleportation and GHZ state).

    Returns
    -------
    float or numpy.ndarray
        P(+1), broadcast over ``secret_phase`` and ``lo_phase``.

    Raises
    ------
    QClockError
        If a phase is not finite, ``qubits`` < 1 or ``contrast`` is outside [0, 1].
    """
    qubits = check_int(qubits, "qubits", 1)
    contrast = _probability(contrast, "contrast")
    chi = np.asarray(secret_phase, dtype=float)
    phi = np.asarray(lo_phase, dtype=float)
    if not (np.all(np.isfinite(chi)) and np.all(np.isfinite(phi))):
        raise QClockError("secret_phase and lo_phase must be finite (rad)")
    out = 0.5 * (1.0 + contrast * np.cos(chi - qubits * phi))
    return float(out) if out.ndim == 0 else out


@dataclass(frozen=True)
class SabotageTrials:
    """Monte Carlo of test rounds against one node behaviour.

    Parameters
    ----------
    behaviour : str
        The node behaviour simulated (one of :data:`BEHAVIOURS`).
    statistics : SabotageStatistics
        σ_D, w and the network size.
    trials : int
        Test rounds simulated.
    rejections : int
        Rounds with ``|D| > w``.
    expected_rate : float
        :func:`rejection_probability` for the same arguments.
    lo_offset, cheat_probability, lo_phase_spread : float
        The arguments of :func:`simulate_sabotage_tests`.
    """

    behaviour: str
    statistics: SabotageStatistics
    trials: int
    rejections: int
    expected_rate: float
    lo_offset: float = 0.0
    cheat_probability: float = 1.0
    lo_phase_spread: float = 1.0

    @property
    def rate(self) -> float:
        """Measured rejection rate (false positives for an honest node, detection otherwise)."""
        return self.rejections / self.trials

    @property
    def binomial_std(self) -> float:
        """Standard error of :attr:`rate` at the expected rate, ``√(p(1 − p)/trials)``."""
        p = self.expected_rate
        return math.sqrt(p * (1.0 - p) / self.trials)

    @property
    def z_score(self) -> float:
        """``(rate − expected)/binomial_std`` (0 when the expected rate is 0 or 1 and matched)."""
        if self.binomial_std == 0.0:
            return 0.0 if self.rate == self.expected_rate else math.inf
        return (self.rate - self.expected_rate) / self.binomial_std

    def to_dict(self) -> dict:
        """Plain JSON-compatible data.

        Returns
        -------
        dict
            The object's data (JSON types only); :meth:`from_dict` reads it back.
        """
        return {"behaviour": self.behaviour, "statistics": self.statistics.to_dict(), "trials": self.trials,
                "rejections": self.rejections, "expected_rate": self.expected_rate, "lo_offset": self.lo_offset,
                "cheat_probability": self.cheat_probability, "lo_phase_spread": self.lo_phase_spread,
                "rate": self.rate}

    @classmethod
    def from_dict(cls, data: Mapping) -> SabotageTrials:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            A dictionary as written by :meth:`to_dict`.

        Returns
        -------
        SabotageTrials
            The reconstructed object.
        """
        return cls(behaviour=str(data["behaviour"]), statistics=SabotageStatistics.from_dict(data["statistics"]),
                   trials=int(data["trials"]), rejections=int(data["rejections"]),
                   expected_rate=float(data["expected_rate"]), lo_offset=float(data["lo_offset"]),
                   cheat_probability=float(data["cheat_probability"]),
                   lo_phase_spread=float(data["lo_phase_spread"]))


def _assessment_block(rng: np.random.Generator, size: int, behaviour: str, stats: SabotageStatistics,
                      lo_offset: float, cheat: float, spread: float) -> int:
    """Rejections among ``size`` simulated test rounds (phases drawn, reported, decoded, compared)."""
    com_phase = spread * rng.standard_normal(size)               # true COM phase over the dark time
    relative = spread * rng.standard_normal(size)                # node LO phase relative to the COM
    lo_phase = com_phase + relative                              # phase the node's atoms accumulate
    cheating = (rng.random(size) < cheat if cheat < 1.0 else np.ones(size, dtype=bool)) \
        if behaviour != "honest" else np.zeros(size, dtype=bool)
    if stats.readout == "phase":
        chi = rng.uniform(-math.pi, math.pi, size)               # the center's secret phase
        reported = chi + lo_phase + stats.node_std * rng.standard_normal(size)   # readout of χ + φ
        if behaviour == "random_bits":
            reported = np.where(cheating, rng.uniform(-math.pi, math.pi, size), reported)
        elif behaviour == "flipped_bits":
            reported = np.where(cheating, reported + math.pi, reported)
        decoded = reported - chi                                 # the center removes χ
    else:
        n = stats.qubits_per_node
        chi = rng.uniform(-math.pi, math.pi, (size, n))          # one secret phase per test qubit
        plus = rng.random((size, n)) < 0.5 * (1.0 + np.cos(chi - lo_phase[:, None]))
        bits = np.where(plus, 1.0, -1.0)                         # parities, P(+1) = (1 + cos(χ_i − φ))/2
        if behaviour == "random_bits":
            bits = np.where(cheating[:, None], np.where(rng.random((size, n)) < 0.5, 1.0, -1.0), bits)
        elif behaviour == "flipped_bits":
            bits = np.where(cheating[:, None], -bits, bits)
        decoded = np.arctan2(np.sum(bits * np.sin(chi), axis=1), np.sum(bits * np.cos(chi), axis=1))
    classical = relative                                         # LO signal vs COM signal, measured classically
    if behaviour == "lo_offset":
        classical = np.where(cheating, relative + lo_offset, relative)
    com_estimate = com_phase + (stats.com_std * rng.standard_normal(size) if stats.com_error else 0.0)
    statistic = wrap_phase(decoded - com_estimate - classical)
    return int(np.count_nonzero(np.abs(statistic) > stats.half_width))


def simulate_sabotage_tests(behaviour: str, window: float, total_atoms: int, nodes: int, tested_nodes: int = 1, *,
                            trials: int = 100_000, lo_offset: float = 0.0, cheat_probability: float = 1.0,
                            lo_phase_spread: float = 1.0, com_error: bool = True, readout: str = "phase",
                            seed=None) -> SabotageTrials:
    """Monte Carlo of the sabotage test (app. B1) against one node behaviour.

    Each round draws the center's secret χ (uniform), the COM phase and the
    node's LO phase relative to the COM (normal, std ``lo_phase_spread``),
    the node's report of ``χ + φ_j`` (projection noise ``√(K/N)``, or the
    behaviour's falsification; with ``readout="bits"`` the n parity bits of
    the test qubits, falsified bit by bit), the classical phase of the LO signal it sent
    and the center's COM estimate (error ``√(K/((K−K_t)N))``); then forms D
    and applies the acceptance rule. χ and the LO phases cancel from D for an
    honest node, so the rejection rate must match
    :func:`rejection_probability` whatever their values.

    Parameters
    ----------
    behaviour, window, total_atoms, nodes, tested_nodes, lo_offset, cheat_probability, com_error, readout
        As in :func:`rejection_probability`.
    trials : int
        Test rounds (≥ 1); drawn in blocks (2²⁰ values per array), so memory stays bounded.
    lo_phase_spread : float
        Std (rad, ≥ 0) of the COM phase and of each node's phase relative to it.
    seed : None, int, SeedSequence or Generator
        Random source (same seed, same numbers).

    Returns
    -------
    SabotageTrials
        Rejections counted beside the analytic rate.

    Raises
    ------
    QClockError
        If ``lo_phase_spread`` < 0 or another argument is out of range (as for
        :func:`rejection_probability`).
    """
    behaviour = check_choice(behaviour, "behaviour", BEHAVIOURS)
    stats = sabotage_statistics(window, total_atoms, nodes, tested_nodes, com_error=com_error, readout=readout)
    trials = check_int(trials, "trials", 1)
    lo_offset = check_finite(lo_offset, "lo_offset")
    cheat = _probability(cheat_probability, "cheat_probability")
    spread = check_finite(lo_phase_spread, "lo_phase_spread")
    if spread < 0:
        raise QClockError(f"lo_phase_spread must be >= 0 (rad), got {spread}")
    expected = rejection_probability(behaviour, window, total_atoms, nodes, tested_nodes, lo_offset=lo_offset,
                                     cheat_probability=cheat, com_error=com_error, readout=readout)
    rng = make_rng(seed)
    rejections = 0
    block = _BLOCK if readout == "phase" else max(1, _BLOCK // stats.qubits_per_node)
    for start in range(0, trials, block):
        rejections += _assessment_block(rng, min(block, trials - start), behaviour, stats, lo_offset, cheat,
                                        spread)
    return SabotageTrials(behaviour=behaviour, statistics=stats, trials=trials, rejections=rejections,
                          expected_rate=expected, lo_offset=lo_offset, cheat_probability=cheat,
                          lo_phase_spread=spread)
