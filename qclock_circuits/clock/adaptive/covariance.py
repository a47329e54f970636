"""Covariances of interval-averaged LO frequencies for power-law noise (Mullan & Knill, Phys. Rev. A 90, 042310 (2014), eqs. 1–2, appendix B).

Units and conventions
---------------------
As in :mod:`qclock_circuits.clock.noise`: time in units of the laser
coherence time Z, ω = (ω0 − ω_LO)·Z the dimensionless angular frequency
deviation, and the **one-sided** power-law spectrum (NIST α, f in cycles per Z)

    S_ω(f) = Σ_α h_α f^α .

Mullan & Knill writes ``S(ω) ∝ ω^α`` with the same α, and the formal kernels
``Cov(ω(s), ω(s')) = −(h'_α/2)|s − s'|^(−α−1)`` (−3 < α < −1) and
``−2 h'_{−1} ln|s − s'|``; its scale factors relate to the NIST ``h_α`` used
here by ``h'_{−2} = 2π² h_{−2}`` and ``h'_{−1} = h_{−1}/2``
(:func:`frequency_kernel` gives the kernel in NIST units for every α).

Method: the phase kernel
------------------------
For −1 < α the frequency averages are ordinary random variables; for
α ≤ −1 the kernel of ω is only a generalised function, defined on test
functions whose low moments vanish (the paper's "differences between interval
averages"). Everything here is computed from one function, the generalised
covariance of the accumulated phase ``x(t) = ∫ω dt`` (:func:`phase_kernel`),

    K_x(τ) = (h/4π²) Γ(s) cos(πs/2) (2π|τ|)^(−s),   s = α − 1,

the analytic continuation of ``∫_0^∞ S_ω(f) (2πf)^(−2) cos(2πfτ) df``. The
frequency kernel is its negative second distributional derivative,
``K_ω = −K_x''``, so the paper's eq. (2) double integral over two intervals
``[a, b]`` and ``[c, d]`` collapses to four kernel values,

    T_k T_l Cov(⟨ω⟩_k, ⟨ω⟩_l) = K_x(b−d) − K_x(b−c) − K_x(a−d) + K_x(a−c),

exact for every exponent (this is the paper's distributional-derivative
treatment, applied once to the phase). At the poles of Γ (α = −1, −3) the
continuation has a logarithm, ``K_x ∝ −(−1)^(n/2) (2πτ)^n ln|τ| / n!`` with
``n = 1 − α``; at α = 0, −2, −4 it is a pure power (white FM:
``K_x = −h|τ|/4``; random-walk FM: ``K_x = π² h |τ|³/6``). The kernel is fixed
only up to an even polynomial of degree ``n`` in τ (the IR cutoff, or
"gauge"); it cancels in every admissible contrast:

* α > −1: any combination of interval averages;
* −3 < α ≤ −1: combinations whose weights sum to zero (e.g. ``ω_i − ω_0``);
* −5 < α ≤ −3: in addition ``Σ w_k t_k = 0`` with ``t_k`` the interval midpoints.

:func:`interval_covariance` checks the contrast before computing it.

Phase noise (1 ≤ α ≤ 2)
-----------------------
Mullan & Knill's exponents ``α ∈ [−4, 2]`` are those of ``S(ω) ∝ ω^α`` with ω
the frequency (section II; their α = −1 is 1/f, −2 Brownian), i.e. the NIST
α of this module: their ``α ∈ [1, 2]`` is NIST **flicker PM** (α = 1,
``'flicker_phase'``) and **white PM** (α = 2, ``'white_phase'``), the spectra
of a phase ``x`` with ``S_x = h f^(α−2)/(2π)²`` = ``h/(4π² f)`` and ``h/(4π²)``.
An interval average of ω is still a phase difference over the window,
``⟨ω⟩ = (x(b) − x(a))/T``, but its variance ``2(K_x(0) − K_x(T))/T²`` diverges
at high frequency (logarithmically at α = 1, like ``f_h`` at α = 2): these
exponents need the high-frequency cutoff ``f_h`` (``cutoff``, cycles per Z) of
the NIST definition, a brick-wall ``S_ω = h f^α`` for ``0 < f ≤ f_h`` and 0
above. The phase kernel is then the finite integral

    K_x(τ) = (h/4π²) ∫_0^{f_h} f^(α−2) cos(2πfτ) df,

``(h/4π²) sin(2π f_h τ)/(2πτ)`` for white PM and
``−(h/4π²) Cin(2π f_h τ)`` for flicker PM (``Cin(z) = γ + ln z − Ci(z)``;
the infinite constant of its infrared end is a gauge that every interval
average cancels). In between (1 < α < 2) it is evaluated by its power series
(``2π f_h τ ≤ 10``) or as the analytic continuation minus the Fourier tail
beyond ``f_h`` (QUADPACK's QAWF). The averages themselves are admissible
(no contrast needed). Two limits follow: for ``f_h T ≫ 1`` the white-PM
window averages have ``T_k T_l Cov = (h f_h/4π²) Σ ±[edges coincide]``
(variance ``h f_h/(2π² T²)``, correlation −1/2 between adjacent windows,
zero otherwise — the δ-terms at the window edges), and the Allan variances
are NIST's ``3 h f_h/(4π²τ²)`` and ``h [1.038 + 3 ln(2π f_h τ)]/(4π²τ²)``.
The cutoff applies to the phase-noise terms only: for α < 1 the averages
converge and the terms are computed without it (their cutoff corrections
vanish as ``f_h → ∞``).

Where the parts live: the kernels and spectrum terms in
:mod:`.power_law_kernels`; the interval-average covariances, the clock's
windows and exact samples in :mod:`.window_averages`; conditional Gaussians,
the truncated-history noise model and the law of ``(θ_n, ω_{n+1})`` in
:mod:`.prediction_laws`. This module re-exports their public names.
"""

from __future__ import annotations

from .power_law_kernels import (
    ALPHA_RANGE,
    PHASE_ALPHA_MIN,
    PHASE_NOISE_TYPES,
    contrast_order,
    frequency_kernel,
    phase_kernel,
    power_law_terms,
)
from .prediction_laws import (
    PhaseFrequencyLaw,
    PredictionLaw,
    condition_gaussian,
    phase_frequency_law,
    prediction_law,
    transition_law,
)
from .window_averages import (
    clock_covariance,
    cycle_intervals,
    interval_covariance,
    reference_covariance,
    sample_interval_averages,
)

__all__ = [
    "ALPHA_RANGE",
    "PHASE_NOISE_TYPES",
    "PHASE_ALPHA_MIN",
    "power_law_terms",
    "phase_kernel",
    "frequency_kernel",
    "contrast_order",
    "interval_covariance",
    "reference_covariance",
    "cycle_intervals",
    "clock_covariance",
    "sample_interval_averages",
    "condition_gaussian",
    "PredictionLaw",
    "prediction_law",
    "transition_law",
    "PhaseFrequencyLaw",
    "phase_frequency_law",
]
