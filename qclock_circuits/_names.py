"""Names shared by every layer and by the command line: noise words, their aliases, option choices.

A constants-only module (no imports), so that ``qclock --help`` can list the
choices of every option without loading NumPy's heavy users, SciPy, Numba,
Qiskit or QuTiP.

Noise words follow the IEEE/NIST power-law convention of CONVENTIONS.md,
``S_y(f) = h_α f^α``: ``'white'`` (α = 0, white FM), ``'flicker'`` (α = −1,
flicker FM) and ``'random_walk'`` (α = −2, random-walk FM). The papers' own
words are accepted as aliases: ``'brownian'`` (Mullan & Knill, Phys. Rev. A
90, 042310 (2014): Brownian frequency noise, i.e. random-walk FM) and
``'1/f'`` (their 1/f noise, i.e. flicker FM).
"""

from __future__ import annotations

__all__ = [
    "NOISE_TYPES",
    "NOISE_ALIASES",
    "NOISE_CHOICES",
    "canonical_noise_name",
    "ADAPTIVE_NOISE_TYPES",
    "PHASE_NOISE_TYPES",
    "SDP_PRIORS",
    "TRUTHS",
    "TIMING_STRATEGIES",
    "TIME_UNIT_Z",
    "TIME_UNIT_SECONDS",
]

#: NIST α of each noise word of the package (CONVENTIONS.md).
NOISE_TYPES = {"white": 0, "flicker": -1, "random_walk": -2}
#: The papers' words for the package's noise words (accepted everywhere a noise word is).
NOISE_ALIASES = {"brownian": "random_walk", "1/f": "flicker"}
#: Phase-noise words and their NIST exponent α (flicker PM, white PM), the same in every module.
PHASE_NOISE_TYPES = {"flicker_phase": 1, "white_phase": 2}
#: Every noise word accepted by the command line: the package's words first, then the aliases.
NOISE_CHOICES = (*NOISE_TYPES, *NOISE_ALIASES)
#: Noise words of the adaptive clock: random-walk and flicker FM (Mullan & Knill's Brownian and 1/f
#: rows), and the phase-noise end of their exponent range, flicker PM and white PM (NIST α = 1, 2).
ADAPTIVE_NOISE_TYPES = ("random_walk", "flicker", "flicker_phase", "white_phase")
#: How the adaptive clock's SDP sees the predicted prior (:mod:`qclock_circuits.clock.adaptive.simulate`).
SDP_PRIORS = ("gaussian", "exact")
#: Where the adaptive clock's simulated true frequencies come from: the noise process, or the clock's own model.
TRUTHS = ("process", "model")
#: Ways of handling the measurement frame of a free-running LO (:mod:`qclock_circuits.clock.adaptive.timing`).
TIMING_STRATEGIES = ("uncompensated", "locked", "software", "reparametrised")
#: The ``time_unit`` written beside every time in the outputs: the laser coherence time Z, or seconds.
TIME_UNIT_Z = "Z"
TIME_UNIT_SECONDS = "s"


def canonical_noise_name(noise: str, allowed=tuple(NOISE_TYPES)) -> str:
    """The package's word for a noise word or one of its aliases.

    Parameters
    ----------
    noise : str
        ``'white'``, ``'flicker'``, ``'random_walk'`` or an alias of
        :data:`NOISE_ALIASES` (``'brownian'``, ``'1/f'``).
    allowed : tuple of str, optional
        The package's words accepted here (default: all three).

    Returns
    -------
    str
        The package's word, e.g. ``'random_walk'`` for ``'brownian'``.

    Raises
    ------
    ValueError
        ``noise`` is not a string naming one of ``allowed`` or an alias of one.
    """
    name = NOISE_ALIASES.get(noise, noise) if isinstance(noise, str) else noise
    if not isinstance(name, str) or name not in allowed:
        aliases = [word for word, target in NOISE_ALIASES.items() if target in allowed]
        from ._validation import QClockError

        raise QClockError(f"noise must be one of {', '.join(map(repr, allowed))} (aliases "
                          f"{', '.join(map(repr, aliases))}), got {noise!r}")
    return name
