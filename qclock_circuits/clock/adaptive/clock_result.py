"""Runs of the running adaptive clock as data (Mullan & Knill, Phys. Rev. A 90, 042310 (2014), section VI).

:class:`AdaptiveClockResult` holds, per run, the square error of the
cumulative average frequency, the filtered estimates ``ω*_n``, the true window
frequencies and the overlapping Allan variances of eq. (11); it tells which
runs lost lock or slipped, selects and joins runs, and reads and writes plain
JSON data. Time in the paper's time unit, ω in rad per that unit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from ..._validation import QClockError, check_finite_array
from ..allan import overlapping_adev
from .paper_noise import canonical_noise
from .timing import TimingErrors

__all__ = ["AdaptiveClockResult"]

_SLIP_WINDOW = 10  # interrogations at the end of a run over which AdaptiveClockResult.slipped averages the error
#: Per-run arrays of :class:`AdaptiveClockResult` (first axis: runs).
_RUN_ARRAYS = ("square_error", "estimates", "allan_variance", "frequencies", "estimate_allan_variance",
               "dropped_mass", "durations", "phase_errors")


def _allan_factors(interrogations: int) -> np.ndarray:
    return np.arange(1, (interrogations - 1) // 2 + 1)


@dataclass(frozen=True, eq=False)
class AdaptiveClockResult:
    """Runs of the running clock (Mullan & Knill, Phys. Rev. A 90, 042310 (2014), section VI), constant T or adaptive times T_n.

    Parameters
    ----------
    atoms, noise, h, interrogations, memory, protocol, interrogation_time, sdp_prior
        The configuration (:func:`~.simulate.simulate_adaptive_clock`).
    seed : int or None
        Entropy of the root ``SeedSequence`` (None if it was not given as an integer);
        :func:`~.improvements.improvement` pairs runs of results with the same integer seed.
    square_error : ndarray, shape (R, M)
        Per run, ``((E(θ_n|a_n) − θ_n)/(nT))²`` after interrogation n = 1 … M (rad² per time unit²).
    estimates : ndarray, shape (R, M)
        Per run, the filtered posterior means ``ω*_n`` (rad per time unit).
    frequencies : ndarray, shape (R, M)
        Per run, the true window frequencies ``ω_n`` (rad per time unit).
    averaging_factors : ndarray of int, shape (K,)
        m = 1 … ⌊(M−1)/2⌋; averaging times ``mT``.
    allan_variance : ndarray, shape (R, K)
        Per run, the overlapping Allan variance eq. (11) of the corrected clock's
        frequency error ``ω_n − ω*_n`` (rad² per time unit²): the stability of the
        clock that outputs the LO frequency corrected by the estimates.
    estimate_allan_variance : ndarray, shape (R, K)
        Per run, eq. (11) applied to the estimates ``ω*_n`` alone (dominated by
        the LO's own noise, the same for every protocol to first order).
    dropped_mass : ndarray, shape (R,)
        Per run, the posterior probability discarded beyond ±π/T of the
        frequency mean (phase-slip tails, module docstring), summed over steps.
    seconds : float
        Wall time of the simulation.
    slip_weight : float
        Phase-slip weight ε of the adaptive protocol's SDP prior
        (:func:`~.interrogation_programs.slip_robust_prior`; 0 for the baselines and for results stored
        before it existed).
    cutoff : float or None
        High-frequency cutoff ``f_h`` (cycles per time unit) of phase noise
        (``'flicker_phase'``, ``'white_phase'``); None for frequency noise.
    time_multiples : tuple of int
        Candidate interrogation times, in multiples of ``interrogation_time``,
        from which every step chose (:mod:`.schedule`); empty for the
        constant-T clock.
    durations : ndarray, shape (R, M), optional
        Per run, the interrogation time T_n of every step (time units);
        ``interrogation_time`` everywhere for the constant-T clock (the default).
    phase_errors : ndarray, shape (R, M), optional
        Per run and step, the signed error ``E(θ_n | a_n) − θ_n`` of the
        clock's cumulative phase (rad); NaN where not recorded (the default).
    truth : {'process', 'model'}
        Where the true frequencies came from: the full noise process (the
        default) or the clock's own truncated model (a diagnosis,
        :func:`~.simulate.simulate_adaptive_clock`).
    timing : TimingErrors or None
        The interrogations' timing errors and strategy (appendix D); None for
        perfect timing.
    """

    atoms: int
    noise: str
    h: float
    interrogations: int
    memory: int
    protocol: str
    interrogation_time: float
    sdp_prior: str
    seed: int | None
    square_error: np.ndarray
    estimates: np.ndarray
    averaging_factors: np.ndarray
    allan_variance: np.ndarray
    frequencies: np.ndarray
    estimate_allan_variance: np.ndarray
    dropped_mass: np.ndarray
    seconds: float = 0.0
    slip_weight: float = 0.0
    cutoff: float | None = None
    time_multiples: tuple = ()
    durations: np.ndarray | None = None
    truth: str = "process"
    timing: TimingErrors | None = None
    phase_errors: np.ndarray | None = None

    def __post_init__(self):
        if self.durations is None:
            object.__setattr__(self, "durations", np.full(self.square_error.shape, float(self.interrogation_time)))
        if self.phase_errors is None:  # not recorded (results stored before it existed, adaptive T_n)
            object.__setattr__(self, "phase_errors", np.full(self.square_error.shape, np.nan))

    @property
    def has_phase_errors(self) -> bool:
        """Whether every run recorded its signed phase errors (constant-T runs made since they exist)."""
        errors = np.asarray(self.phase_errors)
        return errors.shape == np.shape(self.square_error) and bool(np.all(np.isfinite(errors)))

    @property
    def time_allan_variance(self) -> np.ndarray | None:
        """Overlapping Allan variance of the time the clock reports, per run and averaging factor, shape (R, K).

        The clock's reported phase after interrogation n is its current
        estimate ``E(θ_n | a_n)`` — past frequencies included as they were
        re-estimated from later outcomes — so its time error is
        ``x_n = E(θ_n | a_n) − θ_n`` (rad; :attr:`phase_errors`), with
        ``x_0 = 0`` at the known start. The NIST overlapping estimator on these
        M + 1 phase points, ``σ²(mT) = ⟨(x_{j+2m} − 2x_{j+m} + x_j)²⟩ / (2 m² T²)``
        over the ``M − 2m + 1`` values of j, has the term count of Mullan &
        Knill eq. (11); it equals eq. (11) with ω*_l the mean of the posterior
        available when each window's phase is read (the latest), where
        :attr:`allan_variance` uses the filtered ``E(ω_l | a_l)`` of each window.
        None when the phase errors were not recorded.
        """
        if not self.has_phase_errors or np.any(self.durations != self.interrogation_time):
            return None
        period = self.interrogation_time
        points = np.concatenate([np.zeros((self.runs, 1)), self.phase_errors], axis=1)
        taus = self.averaging_factors * period
        # the phase points as their per-window frequencies, through the package's one overlapping estimator
        return np.array([overlapping_adev(row, period, taus=taus).sigma ** 2 for row in np.diff(points) / period])

    @property
    def times(self) -> np.ndarray:
        """Per run, the time t_n at which interrogation n ended (time units), shape (R, M)."""
        return np.cumsum(self.durations, axis=1)

    def square_error_at(self, times) -> np.ndarray:
        """Square error of each run at the given times (time units), shape (R, len(times)).

        The value at time t is that of the last interrogation that ended at or
        before t (the clock's report is updated only when an interrogation
        ends); for the constant-T clock at ``t = nT`` it is ``square_error[:, n−1]``.

        Parameters
        ----------
        times : array, shape (K,)
            Times t (time units since the first interrogation began).

        Returns
        -------
        ndarray, shape (R, K)
            rad² per time unit².

        Raises
        ------
        QClockError
            If a time lies before some run's first interrogation ended, or after
            the end of the shortest run.
        """
        times = check_finite_array(times, "times", ndim=1)
        ends = self.times
        tolerance = 1e-9 * float(self.interrogation_time)
        if times.size and (times.min() < ends[:, 0].max() - tolerance or times.max() > ends[:, -1].min() + tolerance):
            raise QClockError(f"times must lie in [{ends[:, 0].max():.6g}, {ends[:, -1].min():.6g}] (from the "
                              f"latest first interrogation to the end of the shortest run), got "
                              f"[{times.min():.6g}, {times.max():.6g}]")
        index = np.array([np.searchsorted(row, times + tolerance, side="right") - 1 for row in ends])
        return np.take_along_axis(self.square_error, index, axis=1)

    @property
    def runs(self) -> int:
        return int(self.square_error.shape[0])

    @property
    def steps(self) -> np.ndarray:
        """Interrogation index n = 1 … M."""
        return np.arange(1, self.interrogations + 1)

    @property
    def averaging_times(self) -> np.ndarray:
        """``mT`` (time units)."""
        return self.averaging_factors * self.interrogation_time

    @property
    def lost_lock(self) -> np.ndarray:
        """Per run, whether the frequency error ``|ω_n − ω*_n|`` ever exceeded π/(2T) (a phase slip)."""
        if not self.time_multiples:
            return np.abs(self.frequencies - self.estimates).max(axis=1) > math.pi / (2.0 * self.interrogation_time)
        return np.any(np.abs(self.frequencies - self.estimates) > math.pi / (2.0 * self.durations), axis=1)

    @property
    def slipped(self) -> np.ndarray:
        """Per run, whether the clock *ended* off lock: ``|ω_n − ω*_n|`` beyond π/(2T) averaged over the last
        :data:`_SLIP_WINDOW` interrogations (a phase slip it did not recover from).

        :attr:`lost_lock` also flags excursions of a step or two that the clock
        recovers from; ``slipped`` flags only runs locked onto a wrong fringe
        or alias at the end.
        """
        window = min(_SLIP_WINDOW, self.interrogations)
        error = np.abs(self.frequencies - self.estimates)[:, -window:].mean(axis=1)
        if not self.time_multiples:
            return error > math.pi / (2.0 * self.interrogation_time)
        return error > (math.pi / (2.0 * self.durations[:, -window:])).mean(axis=1)

    def select(self, runs) -> AdaptiveClockResult:
        """The result restricted to some runs (boolean mask or indices), e.g. ``~result.lost_lock``.

        Select the same runs of every result you compare: :func:`~.improvements.improvement`
        pairs results by seed and run count.

        Parameters
        ----------
        runs : array_like of bool or int
            Boolean mask over the R runs, or run indices.

        Returns
        -------
        AdaptiveClockResult
            A copy holding only those runs.

        Raises
        ------
        QClockError
            If no run is selected.
        """
        index = np.arange(self.runs)[np.asarray(runs)]
        if index.size == 0:
            raise QClockError("runs must select at least one run")
        return replace(self, **{name: getattr(self, name)[index] for name in _RUN_ARRAYS})

    @property
    def mean_square_error(self) -> np.ndarray:
        """Square frequency error vs step, averaged over the runs."""
        return self.square_error.mean(axis=0)

    @property
    def mean_allan_variance(self) -> np.ndarray:
        """Allan variance vs averaging time, averaged over the runs."""
        return self.allan_variance.mean(axis=0)

    def curves(self) -> dict:
        """Run-averaged curves with their standard errors (JSON-able).

        Returns
        -------
        dict
            ``step``, ``square_error`` and ``square_error_se`` (rad² per time
            unit², per step), ``averaging_time`` (units of T), ``allan_variance``
            and ``allan_variance_se`` (rad² per time unit²); standard errors over
            runs (0 for one run).
        """
        def spread(array: np.ndarray) -> list:
            if self.runs < 2:
                return [0.0] * array.shape[1]
            return (array.std(axis=0, ddof=1) / math.sqrt(self.runs)).tolist()

        return {"step": self.steps.tolist(), "square_error": self.mean_square_error.tolist(),
                "square_error_se": spread(self.square_error),
                "averaging_time": self.averaging_times.tolist(),
                "allan_variance": self.mean_allan_variance.tolist(),
                "allan_variance_se": spread(self.allan_variance)}

    @classmethod
    def concatenate(cls, parts) -> AdaptiveClockResult:
        """Join results of the same configuration run by run (e.g. chunks made with ``first_run``).

        Parameters
        ----------
        parts : iterable of AdaptiveClockResult
            Results of one configuration, in run order.

        Returns
        -------
        AdaptiveClockResult
            All their runs; ``seconds`` is the sum.

        Raises
        ------
        QClockError
            If ``parts`` is empty or the configurations differ.
        """
        parts = list(parts)
        if not parts or not all(isinstance(p, cls) for p in parts):
            raise QClockError("parts must be a non-empty sequence of AdaptiveClockResult")
        fields = ("atoms", "noise", "h", "interrogations", "memory", "protocol", "interrogation_time", "sdp_prior",
                  "seed", "slip_weight", "cutoff", "time_multiples", "truth", "timing")
        first = parts[0]
        for part in parts[1:]:
            if any(getattr(part, f) != getattr(first, f) for f in fields):
                raise QClockError("parts must share one configuration (atoms, noise, h, interrogations, memory, "
                                  "protocol, interrogation_time, sdp_prior, seed, slip_weight, cutoff, "
                                  "time_multiples, truth, timing)")
        arrays = _RUN_ARRAYS
        joined = {name: np.concatenate([getattr(p, name) for p in parts]) for name in arrays}
        return cls(**{f: getattr(first, f) for f in fields}, averaging_factors=first.averaging_factors,
                   seconds=float(sum(p.seconds for p in parts)), **joined)

    def to_dict(self) -> dict:
        """Plain JSON-compatible data.

        Returns
        -------
        dict
            The object's data (JSON types only); :meth:`from_dict` reads it back.
        """
        return {"atoms": self.atoms, "noise": self.noise, "h": self.h, "interrogations": self.interrogations,
                "memory": self.memory, "protocol": self.protocol, "interrogation_time": self.interrogation_time,
                "sdp_prior": self.sdp_prior, "seed": self.seed, "square_error": self.square_error.tolist(),
                "estimates": self.estimates.tolist(), "averaging_factors": self.averaging_factors.tolist(),
                "allan_variance": self.allan_variance.tolist(), "dropped_mass": self.dropped_mass.tolist(),
                "frequencies": self.frequencies.tolist(),
                "estimate_allan_variance": self.estimate_allan_variance.tolist(),
                "seconds": self.seconds, "slip_weight": self.slip_weight, "cutoff": self.cutoff,
                **({"time_multiples": list(self.time_multiples), "durations": self.durations.tolist()}
                   if self.time_multiples else {}),
                **({"truth": self.truth} if self.truth != "process" else {}),
                **({"timing": self.timing.to_dict()} if self.timing is not None else {}),
                **({"phase_errors": self.phase_errors.tolist()} if self.has_phase_errors else {})}

    @classmethod
    def from_dict(cls, data: Mapping) -> AdaptiveClockResult:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            A dictionary as written by :meth:`to_dict`.

        Returns
        -------
        AdaptiveClockResult
            The reconstructed object.
        """
        return cls(atoms=int(data["atoms"]), noise=canonical_noise(str(data["noise"])), h=float(data["h"]),
                   interrogations=int(data["interrogations"]), memory=int(data["memory"]),
                   protocol=str(data["protocol"]), interrogation_time=float(data["interrogation_time"]),
                   sdp_prior=str(data["sdp_prior"]), seed=None if data["seed"] is None else int(data["seed"]),
                   square_error=np.asarray(data["square_error"], float).reshape(-1, int(data["interrogations"])),
                   estimates=np.asarray(data["estimates"], float).reshape(-1, int(data["interrogations"])),
                   averaging_factors=np.asarray(data["averaging_factors"], int),
                   allan_variance=np.asarray(data["allan_variance"], float).reshape(
                       -1, len(data["averaging_factors"])),
                   frequencies=np.asarray(data["frequencies"], float).reshape(-1, int(data["interrogations"])),
                   estimate_allan_variance=np.asarray(data["estimate_allan_variance"], float).reshape(
                       -1, len(data["averaging_factors"])),
                   dropped_mass=np.asarray(data["dropped_mass"], float), seconds=float(data.get("seconds", 0.0)),
                   slip_weight=float(data.get("slip_weight", 0.0)),
                   cutoff=None if data.get("cutoff") is None else float(data["cutoff"]),
                   time_multiples=tuple(int(k) for k in data.get("time_multiples", ())),
                   durations=None if "durations" not in data else np.asarray(data["durations"], float).reshape(
                       -1, int(data["interrogations"])),
                   truth=str(data.get("truth", "process")),
                   timing=None if data.get("timing") is None else TimingErrors.from_dict(data["timing"]),
                   phase_errors=None if "phase_errors" not in data else np.asarray(
                       data["phase_errors"], float).reshape(-1, int(data["interrogations"])))
