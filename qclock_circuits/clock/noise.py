"""Frequency noise of the free-running local oscillator (LO), simulated exactly per clock cycle.

Units and conventions
---------------------
Time is measured in units of the laser coherence time ``Z`` (Kielinski & Hammerer
eq. (30)). The simulated process is the *angular frequency deviation*

    ω(t) = (ω0 − ω_LO(t)) · Z = y(t) · ω0 · Z        (dimensionless, "rad per Z")

so the Ramsey phase accumulated over a dark time ``T`` (units of Z) is
``φ = ∫_0^T ω dt`` in radians, and the Allan deviation of ω at τ (units of Z)
is ``σ_ω(τ) = σ_y(τ Z) · ω0 · Z``. The coherence time is defined by
``σ_ω(1 + T_D) = 1`` (eq. (30): ``σ_y,LO(Z + T_D) ω0 Z = 1 rad``).

Spectra use the IEEE/NIST power law with a **one-sided** power spectral density
(f > 0, f in cycles per Z):

    S_ω(f) = Σ_α h_α f^α,   α = 0 white FM, −1 flicker FM, −2 random-walk FM

and ``h_α`` here is the dimensionless coefficient in these units. A physical
``h_α`` of ``S_y(f)`` (f in Hz) converts as ``h_α' = h_α ω0² Z^(1−α)`` with
``ω0 = 2π ν0`` (:meth:`LocalOscillatorNoise.from_h`). The free-running Allan
variances are ``h0/(2τ)``, ``2 ln2 h_−1`` and ``(2π²/3) h_−2 τ``.

Exact simulation
----------------
Each clock cycle ``k`` of duration ``T_C = T + T_D`` holds the dark (Ramsey)
window ``[k T_C, k T_C + T]`` followed by the dead time ``[k T_C + T, (k+1) T_C]``.
:meth:`LocalOscillatorNoise.generate` returns the mean of ω over each window.
Nothing is discretised in time: the state is Gaussian and linear, and every
window is sampled from the exact joint Gaussian law of (state at the window
end, integral of ω over the window) conditional on the state at its start.

* white FM: window means are independent, ``Var = h0 / (2 w)`` for a window of
  length ``w`` (two-sided PSD ``h0/2``, autocovariance ``(h0/2) δ(t)``);
* random-walk FM: Brownian motion with ``E[(ω(t)−ω(s))²] = D |t−s|``,
  ``D = 2π² h_−2``; increment and integral over a window are jointly Gaussian
  (``Var Δ = D w``, ``Cov(Δ, I) = D w²/2``, ``Var(I | Δ) = D w³/12``);
* flicker FM: a sum of independent Ornstein–Uhlenbeck (OU) processes
  (:class:`FlickerLadder`) with rates geometrically spaced, ``per_decade``
  (default 2) per decade, over the simulated band
  ``[1/(total_cycles·T_C), 1/min(window)]`` widened by ``margin_decades``
  (default 2) on either side; every component has the same variance
  ``h_−1 ln r`` (r the rate ratio), so the summed one-sided spectrum is
  ``h_−1/f`` within 0.1 % inside the band (interior ripple) and 0.3 % at its
  edges; the Allan deviation of the ladder is within 0.2 % of ``√(2 ln2 h_−1)``
  for every τ from the shortest window to a quarter of the run. That is
  ⌈2·(decades of the band + 4)⌉ + 1 components, e.g. 20 for 2^18 cycles, 25 for 10^8.

Randomness and reproducibility
------------------------------
Per cycle, ``n_state + w`` standard normals are drawn (one per OU/Brownian
state component for its value at the end of the cycle, and one per window,
``w = 1`` without dead time and 2 with it, for what the end states leave
undetermined of the window integrals — the two windows are folded into one
exact cycle law, :func:`_compose_cycle`), cycle after cycle in a fixed order,
from one :class:`numpy.random.Generator`. Splitting a run into blocks
therefore gives bit-identical numbers for any block size.

Speed: the per-cycle recurrences run in one numba kernel (``cache=True``; a
NumPy/SciPy ``lfilter`` fallback gives the same numbers); drawing the normals
dominates, e.g. 23 per cycle for flicker with 2^20 cycles and no dead time,
24 with dead time.

Where the parts live
--------------------
This module holds the noise model, :class:`LocalOscillatorNoise`, and
re-exports the names it is built from: the flicker OU ladder
(:class:`FlickerLadder`, :func:`flicker_ladder`) from
:mod:`qclock_circuits.clock.flicker`; the random stream and the resumable
state of a trace (:func:`make_rng`, :class:`NoiseState`) from
:mod:`qclock_circuits.clock.noise_state`; the exact one-cycle Gaussian law and
the compiled cycle loop from ``qclock_circuits.clock._cycle_law`` (internal).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from scipy.optimize import brentq

from .._deprecation import renamed_arguments
from .._validation import QClockError, check_finite, check_int
from ..bayes.priors import NOISE_TYPES, noise_exponent
from . import _cycle_law
from ._cycle_law import _compose_cycle, _numpy_block, _ou_f, _WindowLaw
from ._lo_checks import _check_nonnegative, _check_positive, _positive_array
from .flicker import FlickerLadder, flicker_ladder
from .noise_state import NoiseState, make_rng

__all__ = [
    "LocalOscillatorNoise",
    "NoiseState",
    "FlickerLadder",
    "flicker_ladder",
    "make_rng",
    "NOISE_NAMES",
]

#: Word of each NIST exponent α handled here.
NOISE_NAMES = {alpha: name for name, alpha in NOISE_TYPES.items()}

_LN2 = math.log(2.0)
#: Allan variance of ``S_ω = h_α f^α`` is ``_AVAR_FACTOR[α] · h_α · τ^(−α−1)``.
_AVAR_FACTOR = {0: 0.5, -1: 2.0 * _LN2, -2: 2.0 * math.pi**2 / 3.0}
#: Cycles generated per internal chunk (bounds the memory of one call).
_CHUNK = 1 << 15


# ----------------------------------------------------------------------------- the noise model
@dataclass(frozen=True)
class LocalOscillatorNoise:
    """Power-law frequency noise of a free-running LO, ``S_ω(f) = Σ h_α f^α`` (one-sided).

    Parameters
    ----------
    h : mapping
        ``{α: h_α}`` with α a NIST exponent (0, −1, −2) or its word ('white',
        'flicker', 'random_walk'); ``h_α ≥ 0`` is the coefficient of the
        one-sided PSD of ω (rad per Z) with f in cycles per Z (module docstring).
    transition_frequency : float, optional
        ν0 in Hz, recorded when built from physical coefficients (:meth:`from_h`).
    coherence_time : float, optional
        Z in seconds, recorded when built from physical coefficients.

    Raises
    ------
    QClockError
        If ``h`` is empty, names a noise type twice or has a negative or
        non-finite coefficient, or ν0 or Z is not finite and > 0.

    Examples
    --------
    >>> lo = LocalOscillatorNoise.from_coherence_time("flicker")
    >>> round(float(lo.analytic_adev(1.0)), 12)
    1.0
    """

    h: Mapping[int, float]
    transition_frequency: float | None = None
    coherence_time: float | None = None

    def __hash__(self) -> int:
        return hash((tuple(self.h.items()), self.transition_frequency, self.coherence_time))

    def __post_init__(self):
        if not isinstance(self.h, Mapping) or len(self.h) == 0:
            raise QClockError("h must be a non-empty mapping {noise type: h_alpha} with noise types "
                              f"'white', 'flicker', 'random_walk' (or NIST exponents 0, -1, -2), got {self.h!r}")
        clean: dict[int, float] = {}
        for key, value in self.h.items():
            alpha = noise_exponent(key)
            if alpha in clean:
                raise QClockError(f"h names noise type {NOISE_NAMES[alpha]!r} twice, got {dict(self.h)!r}")
            coefficient = check_finite(value, f"h[{key!r}]")
            if coefficient < 0:
                raise QClockError(f"h[{key!r}] must be >= 0 (PSD coefficient), got {coefficient}")
            clean[alpha] = coefficient
        clean = dict(sorted(clean.items(), reverse=True))
        object.__setattr__(self, "h", MappingProxyType(clean))
        for name, unit in (("transition_frequency", "Hz"), ("coherence_time", "s")):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, _check_positive(value, name, unit))

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_h(cls, h: Mapping, transition_frequency: float | None = None, *, coherence_time: float | None = None,
               dead_time: float = 0.0) -> LocalOscillatorNoise:
        """Build from NIST ``h_α``.

        Parameters
        ----------
        h : mapping
            ``{α or word: h_α}``. Without ``transition_frequency`` these are
            already the dimensionless coefficients of ``S_ω`` (units of Z).
            With it, they are the physical coefficients of the one-sided
            ``S_y(f) = Σ h_α f^α`` (f in Hz, ``h_α`` in Hz^(−1−α)).
        transition_frequency : float, optional
            Atomic transition frequency ν0 in Hz (ω0 = 2π ν0).
        coherence_time : float, optional
            Laser coherence time Z in seconds. If omitted, Z is solved from
            eq. (30), ``σ_y(Z + T_D) 2π ν0 Z = 1``, with ``dead_time`` in seconds.
        dead_time : float
            T_D in seconds, only used to solve for Z.

        Returns
        -------
        LocalOscillatorNoise
            The LO, with ``h`` in units of Z (and ν0, Z recorded when given).

        Raises
        ------
        QClockError
            If ``coherence_time`` or ``dead_time`` is given without
            ``transition_frequency``, ``dead_time`` is given with ``coherence_time``,
            every h_α is 0, or no Z solves eq. (30).

        Notes
        -----
        The conversion is ``h_α' = h_α ω0² Z^(1−α)``; Z is defined by
        Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (30).
        """
        dead = _check_nonnegative(dead_time, "dead_time", "s")
        if coherence_time is not None and dead != 0.0:
            raise QClockError("dead_time (seconds) is only used to solve eq. (30) for Z; with coherence_time given "
                              f"it must be 0, got dead_time={dead_time!r}")
        if transition_frequency is None:
            if coherence_time is not None or dead != 0.0:
                raise QClockError("coherence_time and dead_time (seconds) need transition_frequency (Hz); "
                                  f"got coherence_time={coherence_time!r}, dead_time={dead_time!r}")
            return cls(h)
        nu0 = _check_positive(transition_frequency, "transition_frequency", "Hz")
        physical = cls(h)  # validates keys and values; coefficients still physical here
        omega0 = 2.0 * math.pi * nu0
        if coherence_time is None:
            if all(v == 0.0 for v in physical.h.values()):
                raise QClockError("h must have a positive coefficient to define the coherence time, got all zeros")

            def excess(log_z):
                z = math.exp(log_z)
                return math.log(omega0 * z) + 0.5 * math.log(physical.analytic_avar(z + dead))

            lo, hi = -50.0, 50.0  # ln Z in seconds; the left side of eq. (30) grows monotonically with Z
            for _ in range(12):
                if excess(lo) <= 0 <= excess(hi):
                    break
                lo, hi = lo - 50.0, hi + 50.0
            else:
                raise QClockError(f"no coherence time between e^{lo:g} s and e^{hi:g} s solves eq. (30) for "
                                  f"h={dict(physical.h)}, transition_frequency={nu0} Hz")
            z_seconds = math.exp(brentq(excess, lo, hi, xtol=1e-14, rtol=1e-15, maxiter=500))
        else:
            z_seconds = _check_positive(coherence_time, "coherence_time", "s")
        scaled = {alpha: value * omega0**2 * z_seconds ** (1 - alpha) for alpha, value in physical.h.items()}
        return cls(scaled, transition_frequency=nu0, coherence_time=z_seconds)

    @classmethod
    @renamed_arguments(noise_type="noise")
    def from_coherence_time(cls, noise, dead_time: float = 0.0) -> LocalOscillatorNoise:
        """LO whose Allan deviation of ω is 1 at τ = 1 + T_D (eq. (30): time unit = Z).

        Parameters
        ----------
        noise : str, int or mapping
            'white', 'flicker', 'random_walk' (aliases 'brownian', '1/f'; or NIST α 0, −1, −2), or a
            mapping ``{type: weight}`` of relative shares (> 0) of the Allan
            *variance* at τ = 1 + T_D for a sum of noise types.
        dead_time : float
            T_D in units of Z (≥ 0).

        Returns
        -------
        LocalOscillatorNoise
            The LO, ``h`` dimensionless (time unit Z).

        Raises
        ------
        QClockError
            If the noise type is unknown, a weight is not > 0, the mapping is empty,
            or ``dead_time`` is negative.

        Notes
        -----
        Levels for a single type: ``h0 = 2 (1 + T_D)``, ``h_−1 = 1/(2 ln 2)``,
        ``h_−2 = 3 / (2π² (1 + T_D))``, from the definition of Z in
        Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (30).
        """
        dead = _check_nonnegative(dead_time, "dead_time")
        tau = 1.0 + dead
        if isinstance(noise, Mapping):
            if len(noise) == 0:
                raise QClockError("noise mapping must name at least one noise type, got {}")
            weights = {}
            for key, value in noise.items():
                weight = check_finite(value, f"noise[{key!r}]")
                if weight <= 0:
                    raise QClockError(f"noise[{key!r}] must be a weight > 0, got {weight}")
                weights[noise_exponent(key)] = weights.get(noise_exponent(key), 0.0) + weight
            total = sum(weights.values())
        else:
            weights = {noise_exponent(noise): 1.0}
            total = 1.0
        h = {alpha: (w / total) / (_AVAR_FACTOR[alpha] * tau ** (-alpha - 1)) for alpha, w in weights.items()}
        return cls(h)

    # ------------------------------------------------------------------ analytic properties
    def analytic_avar(self, tau) -> np.ndarray | float:
        """Allan variance of ω (rad² per Z²) of the free-running LO at ``tau`` (units of Z, > 0).

        Parameters
        ----------
        tau : float or array_like
            Averaging time(s) τ (units of Z, > 0).

        Returns
        -------
        float or numpy.ndarray
            σ²_ω(τ) (rad² per Z²), shaped like ``tau``.
        """
        taus, scalar = _positive_array(tau, "tau")
        value = np.zeros_like(taus)
        for alpha, coefficient in self.h.items():
            value = value + _AVAR_FACTOR[alpha] * coefficient * taus ** (-alpha - 1.0)
        return float(value[0]) if scalar else value

    def analytic_adev(self, tau) -> np.ndarray | float:
        """Allan deviation ``σ_ω(τ) = σ_y(τZ) ω0 Z`` at ``tau`` (units of Z, > 0).

        White FM ``σ² = h0/(2τ)``, flicker ``2 ln2 h_−1``, random walk ``(2π²/3) h_−2 τ``, summed.

        Parameters
        ----------
        tau : float or array_like
            Averaging time(s) τ (units of Z, > 0).

        Returns
        -------
        float or numpy.ndarray
            σ_ω(τ) (rad per Z), shaped like ``tau``.
        """
        return np.sqrt(self.analytic_avar(tau))

    def psd(self, f) -> np.ndarray | float:
        """One-sided PSD ``S_ω(f) = Σ h_α f^α`` at ``f`` (cycles per Z, > 0).

        Parameters
        ----------
        f : float or array_like
            Fourier frequency (cycles per Z, > 0).

        Returns
        -------
        float or numpy.ndarray
            S_ω(f) in the units of Z of the module docstring (ω in rad per Z, f in
            cycles per Z), shaped like ``f``.
        """
        freqs, scalar = _positive_array(f, "f")
        value = np.zeros_like(freqs)
        for alpha, coefficient in self.h.items():
            value = value + coefficient * freqs ** float(alpha)
        return float(value[0]) if scalar else value

    def physical_h(self) -> dict[int, float]:
        """``{α: h_α}`` of the one-sided ``S_y`` in Hz units (needs ν0 and Z in seconds).

        Returns
        -------
        dict of int to float
            NIST α → h_α of ``S_y(f) = Σ h_α f^α`` (f in Hz, h_α in Hz^(−1−α)).

        Raises
        ------
        QClockError
            If the transition frequency or the coherence time is unknown.
        """
        if self.transition_frequency is None or self.coherence_time is None:
            raise QClockError("physical_h needs transition_frequency (Hz) and coherence_time (s); "
                              f"got {self.transition_frequency!r}, {self.coherence_time!r} "
                              "(build with LocalOscillatorNoise.from_h(h, transition_frequency))")
        omega0 = 2.0 * math.pi * self.transition_frequency
        return {a: v / (omega0**2 * self.coherence_time ** (1 - a)) for a, v in self.h.items()}

    def to_dict(self) -> dict:
        """Plain JSON-compatible data.

        Returns
        -------
        dict
            ``h`` (noise word → dimensionless h_α), ``transition_frequency``
            (Hz or None) and ``coherence_time`` (s or None).
        """
        return {"h": {NOISE_NAMES[a]: v for a, v in self.h.items()},
                "transition_frequency": self.transition_frequency, "coherence_time": self.coherence_time}

    @classmethod
    def from_dict(cls, data: Mapping) -> LocalOscillatorNoise:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            A dictionary as written by :meth:`to_dict`.

        Returns
        -------
        LocalOscillatorNoise
            The LO.
        """
        return cls(dict(data["h"]), transition_frequency=data.get("transition_frequency"),
                   coherence_time=data.get("coherence_time"))

    # ------------------------------------------------------------------ simulation
    def _active(self, alpha: int) -> float:
        return float(self.h.get(alpha, 0.0))

    def initial_state(self, interrogation_time: float, dead_time: float = 0.0, total_cycles: int = 1,
                      seed=None, *, per_decade: int = 2, margin_decades: float = 2.0,
                      band: tuple[float, float] | None = None) -> NoiseState:
        """Start a trace: build the flicker ladder and draw the stationary OU start values.

        Parameters
        ----------
        interrogation_time, dead_time : float
            T > 0 and T_D ≥ 0 (units of Z) that set the default flicker band.
        total_cycles : int
            Length of the whole run (cycles); the default band is
            ``[1/(total_cycles T_C), 1/min(T, T_D>0)]``.
        seed : None, int, SeedSequence or Generator
            Source of the random stream.
        per_decade, margin_decades, band
            Flicker ladder controls (:func:`flicker_ladder`); ``band`` overrides
            the default band (cycles per Z).

        Returns
        -------
        NoiseState
            The start of a trace, to pass to :meth:`generate` or :meth:`iter_blocks`.
        """
        period, dead = self._check_times(interrogation_time, dead_time)
        total_cycles = check_int(total_cycles, "total_cycles")
        rng = make_rng(seed)
        ladder = None
        h_flicker = self._active(-1)
        if h_flicker > 0:
            if band is None:
                shortest = min(period, dead) if dead > 0 else period
                band = (1.0 / (total_cycles * (period + dead)), 1.0 / shortest)
            ladder = flicker_ladder(h_flicker, band, per_decade, margin_decades)
            ou_values = np.sqrt(ladder.variances) * rng.standard_normal(ladder.rates.size)
        else:
            ou_values = np.zeros(0)
        return NoiseState(rng=rng, ou_values=ou_values, rw_value=0.0, ladder=ladder, h=dict(self.h))

    @staticmethod
    def _check_times(interrogation_time, dead_time) -> tuple[float, float]:
        return (_check_positive(interrogation_time, "interrogation_time"),
                _check_nonnegative(dead_time, "dead_time"))

    def _window_law(self, ladder: FlickerLadder | None, width: float) -> _WindowLaw:
        """Exact transition of (OU components…, random walk) over a window of ``width`` (units of Z)."""
        a, sd, m, beta, resid = [], [], [], [], []
        if ladder is not None:
            lam, v = ladder.rates, ladder.variances
            u = lam * width
            e = -np.expm1(-u)  # 1 − a, accurate at small u
            a.append(1.0 - e)
            sd.append(np.sqrt(v * e * (2.0 - e)))
            m.append(e / lam)
            beta.append(np.sqrt(v) / lam * e**1.5 / np.sqrt(2.0 - e))
            resid.append(np.sqrt(v / lam**2 * 2.0 * _ou_f(u) / (2.0 - e)))
        h_rw = self._active(-2)
        if h_rw > 0:
            diffusion = 2.0 * math.pi**2 * h_rw
            a.append(np.ones(1))
            sd.append(np.array([math.sqrt(diffusion * width)]))
            m.append(np.array([width]))
            beta.append(np.array([0.5 * width * math.sqrt(diffusion * width)]))
            resid.append(np.array([math.sqrt(diffusion * width**3 / 12.0)]))

        def cat(parts):
            return np.concatenate(parts) if parts else np.zeros(0)

        # white: Var ∫ω = (h0/2) w
        return _WindowLaw(a=cat(a), sd=cat(sd), m=cat(m), beta=cat(beta), resid=cat(resid),
                          white_var=0.5 * self._active(0) * width)

    def _advance(self, state: NoiseState, cycles: int, period: float, dead: float,
                 out_ramsey: np.ndarray, out_dead: np.ndarray) -> None:
        """Generate ``cycles`` cycles into the output arrays, updating ``state`` in place."""
        if any(state.h.get(k) != v for k, v in self.h.items()) or set(state.h) != set(self.h):
            raise QClockError(f"state belongs to noise coefficients {state.h}, not to this LO's {dict(self.h)}")
        ramsey_law = self._window_law(state.ladder, period)
        has_dead = dead > 0
        law = _compose_cycle(ramsey_law, self._window_law(state.ladder, dead) if has_dead else None)
        n_state = state.ou_values.size + (1 if self._active(-2) > 0 else 0)
        start_values = np.concatenate([state.ou_values, [state.rw_value] if self._active(-2) > 0 else []])
        silent = law.chol[0, 0] == 0.0 and n_state == 0  # every h is zero: no noise, no draws
        if silent:
            out_ramsey[:cycles] = 0.0
            out_dead[:cycles] = 0.0
        elif _cycle_law._kernel is not None:
            _cycle_law._kernel(state.rng, start_values, law.a, law.sd, law.m_r, law.m_d, law.g_r, law.g_d,
                               law.chol, law.windows, out_ramsey[:cycles], out_dead[:cycles])
        else:
            done = 0
            while done < cycles:
                block = min(_CHUNK, cycles - done)
                normals = state.rng.standard_normal((block, n_state + law.windows))
                _numpy_block(normals, start_values, law.a, law.sd, law.m_r, law.m_d, law.g_r, law.g_d, law.chol,
                             law.windows, out_ramsey[done:done + block], out_dead[done:done + block])
                done += block
        out_ramsey[:cycles] /= period
        if has_dead:
            out_dead[:cycles] /= dead
        n_ou = state.ou_values.size
        state.ou_values = start_values[:n_ou].copy()
        if self._active(-2) > 0:
            state.rw_value = float(start_values[n_ou])
        state.cycles_done += cycles
        state.elapsed += cycles * (period + dead)

    def generate(self, cycles: int, interrogation_time: float, dead_time: float = 0.0, seed=None,
                 state: NoiseState | None = None, *, total_cycles: int | None = None,
                 **ladder_options) -> tuple[np.ndarray, np.ndarray, NoiseState]:
        """Mean of ω over the Ramsey and dead-time windows of ``cycles`` clock cycles, exactly.

        Parameters
        ----------
        cycles : int
            Number of clock cycles (≥ 1).
        interrogation_time : float
            Dark time T (units of Z, > 0); each cycle is ``[T dark][T_D dead]``.
        dead_time : float
            T_D (units of Z, ≥ 0).
        seed : None, int, SeedSequence or Generator
            Random source of a new trace (a Generator is used, and advanced,
            directly); must be None when ``state`` is given.
        state : NoiseState, optional
            Continue the trace where a previous call stopped (not modified).
            T and T_D may differ from the previous call; the process is continuous.
        total_cycles : int, optional
            Planned length of the whole run, which sets the flicker band of a
            new trace (default ``cycles``). Pass the same value to get the same
            numbers whichever way the run is cut into calls.
        **ladder_options
            ``per_decade``, ``margin_decades``, ``band`` for a new trace
            (:meth:`initial_state`).

        Returns
        -------
        ramsey_means : ndarray, shape (cycles,)
            ``(1/T) ∫ ω dt`` over each dark window (rad per Z); the Ramsey
            phase of cycle k is ``T · ramsey_means[k]``.
        dead_means : ndarray, shape (cycles,)
            ``(1/T_D) ∫ ω dt`` over each dead window; all zeros when T_D = 0
            (its weight in the cycle mean ``(T R + T_D D)/T_C`` is zero and no
            random numbers are drawn for it).
        state : NoiseState
            Pass back to continue the trace.
        """
        cycles = check_int(cycles, "cycles")
        period, dead = self._check_times(interrogation_time, dead_time)
        state = self._resolve_state(state, seed, period, dead, cycles if total_cycles is None else total_cycles,
                                    ladder_options)
        ramsey = np.empty(cycles)
        dead_means = np.empty(cycles)
        self._advance(state, cycles, period, dead, ramsey, dead_means)
        return ramsey, dead_means, state

    def _resolve_state(self, state, seed, period, dead, total_cycles, ladder_options) -> NoiseState:
        if state is None:
            return self.initial_state(period, dead, total_cycles, seed, **ladder_options)
        if not isinstance(state, NoiseState):
            raise TypeError(f"state must be a NoiseState returned by generate/iter_blocks, got {type(state).__name__}")
        if seed is not None:
            raise QClockError("pass either seed or state, not both (state carries the random stream); "
                              f"got seed={seed!r}")
        if ladder_options:
            raise QClockError(f"ladder options {sorted(ladder_options)} only apply to a new trace (state=None)")
        return state.copy()

    def iter_blocks(self, cycles: int, block_size: int, interrogation_time: float, dead_time: float = 0.0,
                    seed=None, state: NoiseState | None = None,
                    **ladder_options) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(ramsey_means, dead_means)`` blocks of at most ``block_size`` cycles.

        Memory stays O(block_size) for any ``cycles``; the numbers are
        identical to ``generate(cycles, ...)`` with the same seed, whatever the
        block size. The generator's return value (``StopIteration.value``) is
        the final :class:`NoiseState`.

        Parameters
        ----------
        cycles : int
            Total number of clock cycles (≥ 1).
        block_size : int
            Most cycles per yielded block (≥ 1).
        interrogation_time : float
            Dark time T (units of Z, > 0).
        dead_time : float, optional
            T_D (units of Z, ≥ 0).
        seed : None, int, SeedSequence or Generator, optional
            Random source of a new trace; None when ``state`` is given.
        state : NoiseState, optional
            Continue a trace where a previous call stopped.
        **ladder_options
            ``per_decade``, ``margin_decades``, ``band`` (:meth:`initial_state`).

        Returns
        -------
        NoiseState
            The final state, as the generator's return value
            (``StopIteration.value``); pass it on to continue the trace.

        Yields
        ------
        ramsey_means : numpy.ndarray, shape (b,)
            Mean of ω over each dark window of the block (rad per Z), b ≤ ``block_size``.
        dead_means : numpy.ndarray, shape (b,)
            Mean of ω over each dead-time window (rad per Z).
        """
        cycles = check_int(cycles, "cycles")
        block_size = check_int(block_size, "block_size")
        period, dead = self._check_times(interrogation_time, dead_time)
        state = self._resolve_state(state, seed, period, dead, cycles, ladder_options)
        return self._iterate(state, cycles, block_size, period, dead)

    def _iterate(self, state, cycles, block_size, period, dead):
        done = 0
        while done < cycles:
            block = min(block_size, cycles - done)
            ramsey = np.empty(block)
            dead_means = np.empty(block)
            self._advance(state, block, period, dead, ramsey, dead_means)
            done += block
            yield ramsey, dead_means
        return state
