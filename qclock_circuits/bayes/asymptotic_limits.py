"""Closed-form limits of the OQI at large N: coherence-time limit, π-corrected Heisenberg limit.

Kielinski & Hammerer, arXiv:2505.04287 (2025), eqs. (17)–(19) and (A40)–(A43): at large atom number
the OQI BMSE tends to ``π²/N²`` (:func:`pi_hl`, eq. (18)) plus the coherence-time limit (CTL) set by
phase slips to the neighbouring fringes (:func:`ctl`, eq. (17)), ``asymptotic_oqi = pi_hl + ctl``
(eq. (19)). All in rad², prior width δφ in rad.
"""

from __future__ import annotations

import numpy as np
from scipy.special import erfc

from .._validation import QClockError, check_atoms, check_finite

__all__ = ["ctl", "pi_hl", "asymptotic_oqi"]


def ctl(prior_width, adjacent_only: bool = True) -> float:
    """Coherence-time limit of the OQI (Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (17)).

    ``adjacent_only=True``: eq. (17)/(A43), ``4π² erfc(π/(√2 δφ))``;
    otherwise the full fringe sum of eqs. (A40)–(A42),
    ``Σ_k (2πk)² [erf((2k+1)π/(√2δφ)) − erf((2k−1)π/(√2δφ))]``.

    Parameters
    ----------
    prior_width : float
        Prior width δφ, in rad (> 0).
    adjacent_only : bool, optional
        Keep only the neighbouring fringes k = ±1 (default True).

    Returns
    -------
    float
        The CTL contribution to the BMSE, in rad².

    Raises
    ------
    TypeError
        If ``prior_width`` is not a real number.
    QClockError
        If ``prior_width`` is not positive and finite.
    """
    width = check_finite(prior_width, "prior_width")
    if width <= 0:
        raise QClockError(f"prior_width must be > 0 (rad), got {width}")
    scale = np.pi / (np.sqrt(2.0) * width)
    if adjacent_only:
        return float(4 * np.pi**2 * erfc(scale))
    k = np.arange(1, 1 + int(np.ceil(12 * width / np.pi)) + 2)
    probabilities = erfc((2 * k - 1) * scale) - erfc((2 * k + 1) * scale)
    return float(np.sum((2 * np.pi * k) ** 2 * probabilities))


def pi_hl(atoms: int) -> float:
    """π-corrected Heisenberg limit π²/N² (Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (18)).

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1.

    Returns
    -------
    float
        π²/N², in rad².

    Raises
    ------
    TypeError
        If ``atoms`` is not an integer.
    QClockError
        If ``atoms`` < 1.
    """
    atoms = check_atoms(atoms)
    return float(np.pi**2 / atoms**2)


def asymptotic_oqi(atoms: int, prior_width) -> float:
    """Asymptotic OQI ``π²/N² + CTL`` (Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (19)).

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1.
    prior_width : float
        Prior width δφ, in rad (> 0).

    Returns
    -------
    float
        The BMSE, in rad² (CTL with adjacent fringes only, eq. (17)).

    Raises
    ------
    TypeError
        If ``atoms`` or ``prior_width`` has the wrong type.
    QClockError
        If ``atoms`` < 1 or ``prior_width`` is not positive and finite.
    """
    return pi_hl(atoms) + ctl(prior_width)
