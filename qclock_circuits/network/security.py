"""Security of the clock network (Kómár et al., Nature Physics 10, 582 (2014), main text "Security", Fig. 4, appendix B).

Three countermeasures, each with its statistics:

B1 sabotage test
----------------
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

B2 eavesdropping
----------------
Only the free-running LO signals leave a node (the feedback is applied after
the beam splitter); the center's feedback travels phase-modulated with a
secret key. :func:`simulate_eavesdropping` runs K LO traces
(:class:`~qclock_circuits.clock.LocalOscillatorNoise`), a servo on the COM
frequency and the key-modulated feedback, and returns the Allan deviations
seen by the members (stabilised COM) and by an eavesdropper who intercepts
every LO signal and every feedback message but not the key.

B3 rotating center
------------------
:func:`plan_center_rotation` passes the center role around the graph, each
cycle or only when the center fails, and checks that each chosen center
reaches every live node (by routes through live nodes, within a hop limit, or
by direct links as the paper asks for, "a fully connected network").

Units: phases in rad; frequencies as ω (rad per unit time) with time in the
unit of the LO model (Z for :class:`LocalOscillatorNoise`).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
from scipy.signal import lfilter
from scipy.special import ndtr

from .._validation import QClockError, check_choice, check_finite, check_int
from ..clock.allan import AllanResult, overlapping_adev
from ..clock.noise import LocalOscillatorNoise, make_rng
from .cascade import wrap_phase
from .topology import ClockNetwork

__all__ = [
    "BEHAVIOURS",
    "READOUTS",
    "ROUTE_RULES",
    "SabotageStatistics",
    "sabotage_statistics",
    "acceptance_probability",
    "rejection_probability",
    "assessment_parity_probability",
    "SabotageTrials",
    "simulate_sabotage_tests",
    "detection_after_tests",
    "encode_feedback",
    "decode_feedback",
    "com_servo",
    "EavesdroppingResult",
    "simulate_eavesdropping",
    "CenterRotation",
    "center_candidates",
    "plan_center_rotation",
]

BEHAVIOURS = ("honest", "random_bits", "flipped_bits", "lo_offset")
READOUTS = ("phase", "bits")
ROUTE_RULES = ("routes", "direct")
_TWO_PI = 2.0 * math.pi
#: Trials drawn per block by :func:`simulate_sabotage_tests` (bounds its memory).
_BLOCK = 1 << 20


# ============================================================================ B1: sabotage test
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


# ============================================================================ B2: eavesdropping
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


# ============================================================================ B3: rotating center
@dataclass(frozen=True)
class CenterRotation:
    """A schedule of center nodes and the routes each center uses (app. B3).

    Parameters
    ----------
    schedule : tuple of str
        Center of each cycle.
    failed : tuple of tuple of str
        Nodes down in each cycle.
    epochs : tuple of int
        First cycle of each run of cycles with the same failed nodes.
    routes : tuple of dict
        One entry per epoch: ``{center: {node: path}}``, the hop-shortest path
        (tuple of nodes, through the epoch's live nodes) from each center of
        that epoch to every other live node.
    rule : str
        ``"routes"`` or ``"direct"``.
    max_hops : int or None
        Longest route allowed (links), None for no limit.
    """

    schedule: tuple[str, ...]
    failed: tuple[tuple[str, ...], ...]
    epochs: tuple[int, ...]
    routes: tuple[Mapping[str, Mapping[str, tuple[str, ...]]], ...]
    rule: str
    max_hops: int | None

    @property
    def handovers(self) -> int:
        """Number of cycles whose center differs from the previous cycle's."""
        return sum(a != b for a, b in zip(self.schedule, self.schedule[1:]))

    def route(self, cycle: int, node) -> tuple[str, ...]:
        """Path from the center of ``cycle`` to ``node`` (``(center,)`` for the center itself).

        Parameters
        ----------
        cycle : int
            Cycle index in ``[0, len(schedule))``.
        node : str
            A live node of that cycle.

        Returns
        -------
        tuple of str
            The nodes from the center to ``node``.

        Raises
        ------
        QClockError
            If ``cycle`` is out of range or ``node`` is not live in it.
        """
        cycle = check_int(cycle, "cycle", 0)
        if cycle >= len(self.schedule):
            raise QClockError(f"cycle must be in [0, {len(self.schedule)}), got {cycle}")
        center = self.schedule[cycle]
        if str(node) == center:
            return (center,)
        epoch = int(np.searchsorted(self.epochs, cycle, side="right")) - 1
        paths = self.routes[epoch][center]
        if str(node) not in paths:
            raise QClockError(f"node must be a live node other than the center in cycle {cycle}, one of "
                              f"{sorted(paths)}, got {node!r}")
        return paths[str(node)]

    def to_dict(self) -> dict:
        """Plain JSON-compatible data.

        Returns
        -------
        dict
            The object's data (JSON types only); :meth:`from_dict` reads it back.
        """
        return {"schedule": list(self.schedule), "failed": [list(f) for f in self.failed],
                "epochs": list(self.epochs),
                "routes": [{c: {n: list(p) for n, p in r.items()} for c, r in epoch.items()}
                           for epoch in self.routes],
                "rule": self.rule, "max_hops": self.max_hops}

    @classmethod
    def from_dict(cls, data: Mapping) -> CenterRotation:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            A dictionary as written by :meth:`to_dict`.

        Returns
        -------
        CenterRotation
            The reconstructed object.
        """
        return cls(schedule=tuple(data["schedule"]), failed=tuple(tuple(f) for f in data["failed"]),
                   epochs=tuple(int(e) for e in data["epochs"]),
                   routes=tuple({c: {n: tuple(p) for n, p in r.items()} for c, r in epoch.items()}
                                for epoch in data["routes"]),
                   rule=str(data["rule"]),
                   max_hops=None if data["max_hops"] is None else int(data["max_hops"]))


def _check_network(network) -> ClockNetwork:
    if not isinstance(network, ClockNetwork):
        raise TypeError(f"network must be a ClockNetwork, got {type(network).__name__}")
    return network


def _node_set(network: ClockNetwork, nodes, name: str) -> tuple[str, ...]:
    if isinstance(nodes, str) or not isinstance(nodes, Iterable):
        raise QClockError(f"{name} must be a collection of node names, got {nodes!r}")
    out = []
    for node in nodes:
        if str(node) not in network.graph:
            raise QClockError(f"{name}: node must be one of {list(network.nodes)}, got {node!r}")
        out.append(str(node))
    return tuple(dict.fromkeys(out))


def _reach(graph: nx.Graph, node: str, rule: str, max_hops: int | None) -> tuple[dict, list[str]]:
    """Routes from ``node`` to every other node of ``graph``, and the nodes it cannot serve."""
    if rule == "direct":
        routes = {other: (node, other) for other in graph.neighbors(node)}
    else:
        routes = {other: tuple(path) for other, path in nx.single_source_shortest_path(graph, node).items()
                  if other != node}
        if max_hops is not None:
            routes = {other: path for other, path in routes.items() if len(path) - 1 <= max_hops}
    missing = [other for other in graph.nodes if other != node and other not in routes]
    return routes, missing


def _why(missing: Sequence[str], rule: str, max_hops: int | None) -> str:
    if rule == "direct":
        return f"no direct link to {missing}"
    if max_hops is not None:
        return f"no route of at most {max_hops} hops to {missing}"
    return f"no route through live nodes to {missing}"


def center_candidates(network: ClockNetwork, *, failed: Iterable = (), rule: str = "routes",
                      max_hops: int | None = None, strict: bool = True) -> tuple[str, ...]:
    """Live nodes that can act as center: each reaches every other live node.

    Parameters
    ----------
    network : ClockNetwork
        The topology.
    failed : collection of node names
        Nodes that are down; they neither serve nor relay.
    rule : str
        ``"routes"``: a path through live nodes (entanglement swapping at
        intermediate nodes), of at most ``max_hops`` links if given;
        ``"direct"``: a direct link to every live node (the paper's fully
        connected network).
    max_hops : int, optional
        Longest route (≥ 1 links) with ``rule="routes"``.
    strict : bool
        Raise if any live node cannot act as center (default); else return
        those that can.

    Returns
    -------
    tuple of str
        The nodes that can act as center, in node order.

    Raises
    ------
    QClockError
        With ``strict``: names every live node that cannot be center and the
        nodes it cannot reach; always when no live node is left.
    """
    network = _check_network(network)
    rule = check_choice(rule, "rule", ROUTE_RULES)
    if max_hops is not None:
        max_hops = check_int(max_hops, "max_hops", 1)
        if rule == "direct":
            raise QClockError(f"max_hops applies to rule 'routes', got max_hops={max_hops} with rule 'direct'")
    down = set(_node_set(network, failed, "failed"))
    live = network.graph.subgraph([n for n in network.nodes if n not in down])
    if live.number_of_nodes() == 0:
        raise QClockError(f"failed must leave at least one live node, got every node {sorted(down)}")
    good, bad = [], {}
    for node in live.nodes:
        _, missing = _reach(live, node, rule, max_hops)
        if missing:
            bad[node] = missing
        else:
            good.append(node)
    if bad and strict:
        details = "; ".join(f"{node!r}: {_why(missing, rule, max_hops)}" for node, missing in bad.items())
        raise QClockError(f"nodes that cannot act as center ({len(bad)} of {live.number_of_nodes()} live): "
                          f"{details}")
    return tuple(good)


def _failure_schedule(network: ClockNetwork, failures, cycles: int) -> list[frozenset[str]]:
    if failures is None:
        failures = {}
    if not isinstance(failures, Mapping):
        raise QClockError(f"failures must be a mapping {{cycle: nodes}}, got {failures!r}")
    events: dict[int, set[str]] = {}
    for cycle, nodes in failures.items():
        if isinstance(cycle, bool) or not isinstance(cycle, numbers.Integral) or not 0 <= cycle < cycles:
            raise QClockError(f"failures: cycle must be an integer in [0, {cycles}), got {cycle!r}")
        names = (nodes,) if isinstance(nodes, str) else nodes
        events.setdefault(int(cycle), set()).update(_node_set(network, names, f"failures[{cycle}]"))
    down: set[str] = set()
    per_cycle = []
    for cycle in range(cycles):
        down |= events.get(cycle, set())
        per_cycle.append(frozenset(down))
    return per_cycle


def plan_center_rotation(network: ClockNetwork, cycles: int, *, mode: str = "cycle", order: Sequence | None = None,
                         failures: Mapping | None = None, rule: str = "routes",
                         max_hops: int | None = None) -> CenterRotation:
    """Pass the center role around the network (app. B3).

    The role follows ``order`` (default: the graph's node order, starting at
    the network's declared center if any). With ``mode="cycle"`` it moves to
    the next node in ``order`` every cycle; with ``mode="on_failure"`` it
    stays until its holder fails. Nodes that are down are skipped, and so is a
    node that cannot reach every live node under ``rule``/``max_hops``
    (:func:`center_candidates`).

    Parameters
    ----------
    network : ClockNetwork
        The topology.
    cycles : int
        Cycles to plan (≥ 1).
    mode : str
        ``"cycle"`` or ``"on_failure"``.
    order : sequence of node names, optional
        Nodes that take the role, in turn (default: all nodes); each must be
        able to act as center on the intact network.
    failures : mapping, optional
        ``{cycle: node or nodes}`` that go down at that cycle and stay down.
    rule, max_hops
        As in :func:`center_candidates`.

    Returns
    -------
    CenterRotation
        The center of each cycle, the failed nodes and the routes per epoch.

    Raises
    ------
    QClockError
        Before planning, if a node of ``order`` cannot act as center on the
        intact network (message names each such node and what it cannot
        reach); during planning, if in some cycle no live node can act
        as center (message names the cycle and the failed nodes).
    """
    network = _check_network(network)
    cycles = check_int(cycles, "cycles", 1)
    mode = check_choice(mode, "mode", ("cycle", "on_failure"))
    if order is None:
        nodes = list(network.nodes)
        if network.center is not None:
            k = nodes.index(network.center)
            nodes = nodes[k:] + nodes[:k]
        order = tuple(nodes)
    else:
        order = _node_set(network, order, "order")
        if not order:
            raise QClockError(f"order must name at least one node of {list(network.nodes)}, got an empty order")
    able = center_candidates(network, rule=rule, max_hops=max_hops, strict=False)
    unable = [node for node in order if node not in able]
    if unable:  # name every node of the rotation that cannot serve even with all nodes up
        live = network.graph
        details = "; ".join(f"{node!r}: {_why(_reach(live, node, rule, max_hops)[1], rule, max_hops)}"
                            for node in unable)
        raise QClockError(f"order: nodes that cannot act as center on the intact network: {details}")
    down_per_cycle = _failure_schedule(network, failures, cycles)
    schedule: list[str] = []
    epochs: list[int] = []
    routes: list[dict[str, dict[str, tuple[str, ...]]]] = []
    candidates: set[str] = set()
    position = -1
    for cycle, down in enumerate(down_per_cycle):
        if cycle == 0 or down != down_per_cycle[cycle - 1]:
            epochs.append(cycle)
            routes.append({})
            candidates = (set(center_candidates(network, failed=down, rule=rule, max_hops=max_hops, strict=False))
                          if len(down) < len(order) else set())
            live = network.graph.subgraph([n for n in network.nodes if n not in down])
        current = schedule[-1] if schedule else None
        if not (mode == "on_failure" and current in candidates):
            for step in range(1, len(order) + 1):
                if order[(position + step) % len(order)] in candidates:
                    position = (position + step) % len(order)
                    break
            else:
                try:
                    center_candidates(network, failed=down, rule=rule, max_hops=max_hops, strict=True)
                except QClockError as exc:
                    reason = str(exc)
                else:  # pragma: no cover - strict raises whenever no candidate is left
                    reason = "no candidate"
                raise QClockError(f"cycle {cycle}: no live node can act as center with failed nodes "
                                  f"{sorted(down)}; {reason}")
            current = order[position]
        schedule.append(current)
        if current not in routes[-1]:
            routes[-1][current] = _reach(live, current, rule, max_hops)[0]
    return CenterRotation(schedule=tuple(schedule), failed=tuple(tuple(sorted(d)) for d in down_per_cycle),
                          epochs=tuple(epochs), routes=tuple(routes), rule=rule, max_hops=max_hops)
