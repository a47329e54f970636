"""Noise words and strengths of Mullan & Knill, Phys. Rev. A 90, 042310 (2014), section VI, as the package's NIST spectra.

The paper's ``h`` is the scale of its kernels ``Cov(ω(s), ω(s')) = −(h/2)|s − s'|``
(Brownian, random-walk FM, NIST α = −2) and ``−2h ln|s − s'|`` (1/f, flicker FM,
α = −1), eqs. (1)–(2); in the one-sided NIST spectrum ``S_ω(f) = h_α f^α`` that
is ``h_{−2} = h/(2π²)`` and ``h_{−1} = 2h`` (:func:`nist_spectrum`). The phase-noise
words (flicker PM, white PM: NIST α = 1, 2, the paper's α ∈ [1, 2]) take ``h`` as
the NIST ``h_α`` itself. Time in the paper's time unit (T = 1), ω in rad per
that unit.
"""

from __future__ import annotations

import math

from ..._names import ADAPTIVE_NOISE_TYPES, NOISE_ALIASES, NOISE_TYPES, canonical_noise_name
from ..._validation import QClockError, check_finite
from .covariance import PHASE_NOISE_TYPES

__all__ = ["PAPER_NOISE_TYPES", "canonical_noise", "oscillator_noise", "nist_spectrum"]

#: Noise names accepted by the adaptive clock and their NIST exponent α: the package's names
#: (:data:`qclock_circuits.bayes.priors.NOISE_TYPES`) and the words of Mullan & Knill, PRA 90, 042310 (2014)
#: as aliases (:data:`~qclock_circuits._names.NOISE_ALIASES`), and the phase-noise words (NIST α = 1, 2). Formerly ``SEED_NOISE_TYPES``
#: (deprecated alias).
PAPER_NOISE_TYPES = {name: {**NOISE_TYPES, **PHASE_NOISE_TYPES}[NOISE_ALIASES.get(name, name)]
                     for name in (*ADAPTIVE_NOISE_TYPES, *NOISE_ALIASES)}


def canonical_noise(noise: str) -> str:
    """The package's name of a noise word (``'random_walk'``, ``'flicker'``, ``'flicker_phase'``, ``'white_phase'``).

    Parameters
    ----------
    noise : str
        ``'random_walk'``, ``'flicker'``, the phase-noise words
        ``'flicker_phase'`` and ``'white_phase'`` (NIST α = 1, 2), or Mullan &
        Knill's ``'brownian'`` (PRA 90, 042310 (2014), section VI), an alias.

    Returns
    -------
    str
        ``'random_walk'``, ``'flicker'``, ``'flicker_phase'`` or ``'white_phase'``.

    Raises
    ------
    QClockError
        For any other word.
    """
    return canonical_noise_name(noise, ADAPTIVE_NOISE_TYPES)


def oscillator_noise(noise: str, h: float):
    """The package's :class:`~qclock_circuits.clock.noise.LocalOscillatorNoise` for Mullan & Knill's ``(noise, h)``.

    Parameters
    ----------
    noise : {'random_walk', 'flicker'} (alias 'brownian')
    h : float
        The paper's noise strength (> 0; :func:`nist_spectrum` gives its units).

    Returns
    -------
    LocalOscillatorNoise
        ``h = {name: h_α}`` of :func:`nist_spectrum`, in units where the
        package's time unit Z is the paper's time unit (T = 1).
    """
    from ..noise import LocalOscillatorNoise

    name = canonical_noise(noise)
    if name in PHASE_NOISE_TYPES:
        raise QClockError(f"noise must be 'random_walk' or 'flicker' for a LocalOscillatorNoise (it simulates "
                          f"frequency noise only), got {noise!r}; phase noise is drawn exactly from its window "
                          f"covariance (covariance.sample_interval_averages)")
    return LocalOscillatorNoise({name: value for value in nist_spectrum(name, h).values()})


def nist_spectrum(noise: str, h: float) -> dict[int, float]:
    """Mullan & Knill's noise strength ``h`` as the package's NIST one-sided spectrum ``{α: h_α}``.

    Parameters
    ----------
    noise : {'random_walk', 'flicker', 'flicker_phase', 'white_phase'} (alias 'brownian')
        Random-walk FM (α = −2), flicker FM (α = −1), flicker PM (α = 1) or
        white PM (α = 2).
    h : float
        Scale of the kernel ``Cov(ω(s), ω(s')) = −(h/2)|s − s'|`` (random walk)
        or ``−2h ln|s − s'|`` (flicker) of Mullan & Knill, PRA 90, 042310
        (2014), eqs. (1)–(2), in units of rad² per time unit³ (random walk;
        ω in rad per time unit) or rad² per time unit² (flicker), with the
        time unit that of the interrogation time (T = 1 in the paper). The
        paper gives no kernel scale for phase noise (its α ∈ [1, 2]): for
        ``'flicker_phase'`` and ``'white_phase'`` ``h`` is the NIST ``h_α``
        itself (rad² per time unit^(1−α)).

    Returns
    -------
    dict
        ``{−2: h / (2π²)}`` (random walk), ``{−1: 2h}`` (flicker), ``{1: h}``
        or ``{2: h}`` (phase noise): the coefficients ``h_α`` of
        ``S_ω(f) = h_α f^α`` (f in cycles per time unit), as
        :class:`~qclock_circuits.clock.noise.LocalOscillatorNoise` takes them
        when the time unit is its Z (phase noise also needs the cutoff ``f_h``,
        :mod:`.covariance`).

    Raises
    ------
    QClockError
        If ``h`` is not > 0 or the noise word is unknown.
    """
    noise = canonical_noise(noise)
    h = check_finite(h, "h")
    if h <= 0:
        raise QClockError(f"noise_strength (the paper's h) must be > 0, got {h}")
    if noise == "random_walk":
        return {-2: h / (2.0 * math.pi**2)}
    if noise in PHASE_NOISE_TYPES:
        return {PHASE_NOISE_TYPES[noise]: h}
    return {-1: 2.0 * h}
