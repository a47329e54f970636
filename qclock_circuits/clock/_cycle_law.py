"""Exact Gaussian law of one clock cycle of the local-oscillator noise, and the loop that samples it.

The LO frequency deviation ω (rad per Z, time in units of Z; :mod:`qclock_circuits.clock.noise`) is a
sum of white FM, a flicker ladder of Ornstein–Uhlenbeck components
(:class:`~qclock_circuits.clock.flicker.FlickerLadder`) and a random-walk (Brownian) component. Over
a window of width ``w`` every component moves from its start value to its end value, and the
integral of ω over the window is jointly Gaussian with that end value; :class:`_WindowLaw` holds
this exact one-window transition. A clock cycle is a dark (Ramsey) window of length T followed by a
dead time T_D; :func:`_compose_cycle` folds the two windows into one exact cycle law
(:class:`_CycleLaw`) by Gaussian conditioning, so that one standard normal per component and one per
window draw a whole cycle. The cycle loop runs compiled with numba (:data:`_kernel`; it draws the
normals from the same NumPy stream) or, without numba, with NumPy/SciPy (:func:`_numpy_block`),
with the same numbers.

Every name here is internal to :class:`~qclock_circuits.clock.noise.LocalOscillatorNoise`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

__all__ = ["_WindowLaw", "_CycleLaw", "_compose_cycle", "_ou_f", "_numpy_block", "_kernel"]


def _ou_f(u: np.ndarray) -> np.ndarray:
    """``2(u − e) − u e`` with ``e = 1 − exp(−u)``, accurate for every u ≥ 0 (≈ u³/6 at small u)."""
    u = np.asarray(u, dtype=float)
    out = np.empty_like(u)
    small = u < 1.0
    us = u[small]
    # Σ_{m≥3} (−1)^{m+1} (m−2) u^m / m!, Horner form, terms to m = 30 (error < 1e-30 at u < 1)
    acc = np.zeros_like(us)
    for m in range(30, 2, -1):
        acc = acc * us + ((-1.0) ** (m + 1)) * (m - 2) / math.factorial(m)
    out[small] = acc * us**3
    ul = u[~small]
    el = -np.expm1(-ul)
    out[~small] = 2.0 * (ul - el) - ul * el
    return out


@dataclass(frozen=True)
class _WindowLaw:
    """Exact one-window transition of each state component (arrays over components).

    ``x_end = a x_start + sd ε``,  ``∫ω = m x_start + beta ε + resid η`` (ε, η
    independent standard normals per component); ``white_var`` is the variance
    of the white-FM part of ``∫ω``.
    """

    a: np.ndarray
    sd: np.ndarray
    m: np.ndarray
    beta: np.ndarray
    resid: np.ndarray
    white_var: float


@dataclass(frozen=True)
class _CycleLaw:
    """Exact law of one whole cycle given the state at its start (arrays over components).

    ``x_end = a x_start + sd z_i``;  window integrals
    ``I_r = Σ (m_r x_start + g_r z_i) + L00 w0``,
    ``I_d = Σ (m_d x_start + g_d z_i) + L10 w0 + L11 w1`` (z, w standard
    normals; ``L`` the Cholesky factor of the covariance of the integrals left
    once every component's end state is known). One normal per component and
    one per window.
    """

    a: np.ndarray
    sd: np.ndarray
    m_r: np.ndarray
    m_d: np.ndarray
    g_r: np.ndarray
    g_d: np.ndarray
    chol: np.ndarray
    windows: int


def _compose_cycle(ramsey: _WindowLaw, dead: _WindowLaw | None) -> _CycleLaw:
    """Fold the Ramsey and dead-time windows into one cycle law (exact Gaussian conditioning).

    Per component, conditional on the start value x, the triple
    (x_end, I_r, I_d) is linear in the independent normals (ε1, ε2, η1, η2) of
    the two windows with rows ``b0 = (a2 sd1, sd2, 0, 0)``,
    ``b_r = (beta1, 0, r1, 0)``, ``b_d = (m2 sd1, beta2, 0, r2)``. The end
    state takes one normal ``z = b0·ξ/|b0|``; what is left of the integrals,
    ``b − (b·b0/|b0|²) b0``, is independent of it and is summed over components
    into one 2×2 covariance.
    """
    n_state = ramsey.a.size
    if dead is None:
        total_resid = float(np.sum(ramsey.resid**2)) + ramsey.white_var
        chol = np.array([[math.sqrt(total_resid), 0.0], [0.0, 0.0]])
        zeros = np.zeros(n_state)
        return _CycleLaw(a=ramsey.a, sd=ramsey.sd, m_r=ramsey.m, m_d=zeros, g_r=ramsey.beta, g_d=zeros,
                         chol=chol, windows=1)
    zeros = np.zeros(n_state)
    b0 = np.stack([dead.a * ramsey.sd, dead.sd, zeros, zeros], axis=1)
    b_r = np.stack([ramsey.beta, zeros, ramsey.resid, zeros], axis=1)
    b_d = np.stack([dead.m * ramsey.sd, dead.beta, zeros, dead.resid], axis=1)
    norm2 = np.sum(b0**2, axis=1)
    sd = np.sqrt(norm2)
    safe = np.where(norm2 > 0, norm2, 1.0)
    proj_r = np.sum(b_r * b0, axis=1)
    proj_d = np.sum(b_d * b0, axis=1)
    c_r = b_r - (proj_r / safe)[:, None] * b0
    c_d = b_d - (proj_d / safe)[:, None] * b0
    g_r = np.where(norm2 > 0, proj_r / np.where(sd > 0, sd, 1.0), 0.0)
    g_d = np.where(norm2 > 0, proj_d / np.where(sd > 0, sd, 1.0), 0.0)
    var_r = float(np.sum(c_r**2)) + ramsey.white_var
    var_d = float(np.sum(c_d**2)) + dead.white_var
    cov = float(np.sum(c_r * c_d))
    l00 = math.sqrt(var_r)
    l10 = cov / l00 if l00 > 0 else 0.0
    l11 = math.sqrt(max(var_d - l10**2, 0.0))
    return _CycleLaw(a=ramsey.a * dead.a, sd=sd, m_r=ramsey.m, m_d=dead.m * ramsey.a, g_r=g_r, g_d=g_d,
                     chol=np.array([[l00, 0.0], [l10, l11]]), windows=2)


def _numpy_block(normals, x, a, sd, m_r, m_d, g_r, g_d, chol, windows, out_r, out_d) -> None:
    """One chunk of cycles with NumPy/SciPy (fallback of the compiled kernel; same arithmetic).

    ``normals`` has shape (cycles, n_state + windows); ``x`` (state at the chunk
    start) is updated in place to the state after it; ``out_r``/``out_d``
    receive the window *integrals* of ω (:class:`_CycleLaw`).
    """
    n_state = x.size
    out_r[:] = chol[0, 0] * normals[:, n_state]
    out_d[:] = chol[1, 0] * normals[:, n_state] + chol[1, 1] * normals[:, n_state + 1] if windows == 2 else 0.0
    for i in range(n_state):
        z = normals[:, i]
        # x_{k+1} = a x_k + sd z_k: the state at the start of every cycle, exactly
        following = lfilter([1.0], [1.0, -a[i]], sd[i] * z, zi=[a[i] * x[i]])[0]
        starts = np.empty(following.size)
        starts[0] = x[i]
        starts[1:] = following[:-1]
        out_r += m_r[i] * starts + g_r[i] * z
        if windows == 2:
            out_d += m_d[i] * starts + g_d[i] * z
        x[i] = following[-1]


def _kernel_source(rng, x, a, sd, m_r, m_d, g_r, g_d, chol, windows, out_r, out_d):  # pragma: no cover
    """Compiled cycle loop; draws its normals from ``rng`` in the order of :func:`_numpy_block`'s array."""
    n_state = x.size
    for k in range(out_r.size):
        integral_r = 0.0
        integral_d = 0.0
        for i in range(n_state):
            start = x[i]
            z = rng.standard_normal()
            integral_r += m_r[i] * start + g_r[i] * z
            integral_d += m_d[i] * start + g_d[i] * z
            x[i] = sd[i] * z + a[i] * start
        w0 = rng.standard_normal()
        integral_r += chol[0, 0] * w0
        if windows == 2:
            integral_d += chol[1, 0] * w0 + chol[1, 1] * rng.standard_normal()
        out_r[k] = integral_r
        out_d[k] = integral_d


try:  # numba fuses the per-cycle recurrences and draws the normals itself (NumPy's ziggurat, same stream)
    import numba as _numba
except ImportError:  # pragma: no cover - numba is a dependency, the fallback keeps the module importable
    _kernel = None
else:
    _kernel = _numba.njit(cache=True, nogil=True)(_kernel_source)
