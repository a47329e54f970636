"""Noisy quantum links: Werner EPR pairs, entanglement swapping, and what they do to a GHZ state.

Werner link
-----------
A link delivers the Bell state ``|Φ+⟩ = (|00⟩ + |11⟩)/√2`` followed, on one
half, by a Pauli X, Y or Z each with probability ``(1 − F)/3`` (identity with
probability F). Its fidelity is ``⟨Φ+|ρ|Φ+⟩ = F``; its Werner parameter is

    ``w = (4F − 1)/3``,       ``ρ = w |Φ+⟩⟨Φ+| + (1 − w) 𝟙/4``.

In a circuit the pair is made ideally and then passes a labelled identity
gate (:func:`link_gate`); :func:`link_noise_model` attaches the Pauli error
to that label, so Aer samples it (any method, stabilizer included).

Swapping
--------
A Bell measurement on the two inner halves of two Werner pairs with Pauli
corrections leaves a pair whose Pauli error is the product of the two
errors, so Werner parameters multiply along a repeater path:
``w_path = Π_hops w_hop`` and ``F_path = (1 + 3 w_path)/4``
(:func:`swapped_fidelity`).

Effect on the distributed GHZ state
-----------------------------------
Every distribution scheme of :mod:`.distribution` uses each end-to-end pair
once, and a Pauli on it reaches the final clock state as

* X → a *branch flip* ``X_S`` of a set S of clock qubits (a whole node for
  the star schemes, the subtree below the link for the flat scheme; never
  all qubits, and the sets of different links are independent so that
  ``X_{S1} X_{S2} …`` is the identity only if no link flipped);
* Z → a *phase flip* ``|0…0⟩ + |1…1⟩ → |0…0⟩ − |1…1⟩``;
* Y → both.

With independent links ``l`` of Werner parameters ``w_l`` (``q_l = (1−F_l)/3``):

* GHZ fidelity = P(no link has X or Y, even number of Z)
  ``= ½ [Π_l (F_l + q_l) + Π_l (F_l − q_l)] = ½ [Π_l (1 + w_l)/2 + Π_l w_l]``
  (:func:`predicted_ghz_fidelity`);
* parity signal ``⟨Π_i X_i⟩`` after the phase imprint: for every pattern of
  the other links, an X and a Y on link l give the same branch flip and
  opposite signs, so they cancel and ``⟨Π X⟩ = Π_l (F_l − q_l) cos Φ``:
  the fringe keeps its shape and its contrast is ``C = Π_l w_l``
  (:func:`predicted_parity_contrast`), and ``P(±) = (1 ± C cos Φ)/2``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping

import numpy as np
from qiskit.circuit.library import IGate
from qiskit_aer.noise import NoiseModel, QuantumError, pauli_error

from .._validation import QClockError

__all__ = [
    "LINK_LABEL_PREFIX",
    "check_fidelity",
    "werner_parameter",
    "fidelity_from_werner",
    "swapped_fidelity",
    "link_error",
    "link_gate",
    "link_label",
    "link_noise_model",
    "predicted_ghz_fidelity",
    "predicted_parity_contrast",
]

#: Labels of the identity gates that carry link noise start with this.
LINK_LABEL_PREFIX = "link_"


def check_fidelity(fidelity, name: str = "fidelity") -> float:
    """Return an EPR-pair fidelity as a float, or raise if it is not in [0, 1].

    Parameters
    ----------
    fidelity : float
        The value to check.
    name : str, optional
        Name of the argument, used in the error message.

    Returns
    -------
    float
        The fidelity.

    Raises
    ------
    QClockError
        If ``fidelity`` is not a real number in [0, 1].
    """
    if isinstance(fidelity, bool) or not isinstance(fidelity, numbers.Real):
        raise QClockError(f"{name} must be an EPR-pair fidelity in [0, 1], got {fidelity!r}")
    fidelity = float(fidelity)
    if not (math.isfinite(fidelity) and 0.0 <= fidelity <= 1.0):
        raise QClockError(f"{name} must be an EPR-pair fidelity in [0, 1], got {fidelity}")
    return fidelity


def werner_parameter(fidelity) -> float:
    """``w = (4F − 1)/3`` of a Werner pair of fidelity F.

    Parameters
    ----------
    fidelity : float
        Fidelity F of the EPR pair with ``|Φ+⟩``, in [0, 1].

    Returns
    -------
    float
        The Werner parameter w in [−1/3, 1].
    """
    return (4.0 * check_fidelity(fidelity) - 1.0) / 3.0


def fidelity_from_werner(werner: float) -> float:
    """``F = (1 + 3w)/4``.

    Parameters
    ----------
    werner : float
        Werner parameter w.

    Returns
    -------
    float
        The fidelity F.
    """
    return (1.0 + 3.0 * float(werner)) / 4.0


def swapped_fidelity(fidelities: Iterable[float]) -> float:
    """Fidelity of the end-to-end pair after swapping along hops of the given fidelities.

    Werner parameters multiply under entanglement swapping.

    Parameters
    ----------
    fidelities : iterable of float
        Fidelity of each hop, in [0, 1].

    Returns
    -------
    float
        The end-to-end fidelity.
    """
    werner = 1.0
    for index, fidelity in enumerate(fidelities):
        werner *= werner_parameter(check_fidelity(fidelity, f"fidelities[{index}]"))
    return fidelity_from_werner(werner)


def link_error(fidelity) -> QuantumError:
    """Aer Pauli error of a Werner link: X, Y, Z each with probability (1 − F)/3.

    Parameters
    ----------
    fidelity : float
        Fidelity F of the EPR pair with ``|Φ+⟩``, in [0, 1].

    Returns
    -------
    qiskit_aer.noise.QuantumError
        The one-qubit Pauli channel, applied to the far half of the pair.
    """
    fidelity = check_fidelity(fidelity)
    flip = (1.0 - fidelity) / 3.0
    return pauli_error([("I", fidelity), ("X", flip), ("Y", flip), ("Z", flip)])


def link_label(index: int) -> str:
    """Label of the noisy identity of link number ``index`` (the edge's position in the layout).

    Parameters
    ----------
    index : int
        Link number.

    Returns
    -------
    str
        ``"link_<index>"``.
    """
    return f"{LINK_LABEL_PREFIX}{int(index)}"


def link_gate(index: int) -> IGate:
    """Identity gate labelled :func:`link_label` (``id`` in OpenQASM).

    Parameters
    ----------
    index : int
        Link number (its position in the layout).

    Returns
    -------
    qiskit.circuit.library.IGate
        The labelled identity that carries the link's noise.
    """
    return IGate(label=link_label(index))


def link_noise_model(fidelities: Mapping[str, float]) -> NoiseModel:
    """Aer noise model with the Werner error of each ``{label: F}`` (labels with F = 1 get none).

    Parameters
    ----------
    fidelities : mapping of str to float
        Link label (:func:`link_label`) → fidelity F in [0, 1].

    Returns
    -------
    qiskit_aer.noise.NoiseModel
        :func:`link_error` on each labelled identity gate.

    Raises
    ------
    QClockError
        If a label is not a link label or a fidelity is not in [0, 1].
    """
    model = NoiseModel()
    for label, fidelity in fidelities.items():
        if not str(label).startswith(LINK_LABEL_PREFIX):
            raise QClockError(f"link labels must start with {LINK_LABEL_PREFIX!r}, got {label!r}")
        fidelity = check_fidelity(fidelity, f"fidelity of {label!r}")
        if fidelity < 1.0:
            model.add_all_qubit_quantum_error(link_error(fidelity), [str(label)])
    return model


def _werner_array(werner) -> np.ndarray:
    values = np.atleast_1d(np.asarray(werner, dtype=float))
    if values.ndim != 1 or not np.all(np.isfinite(values)) or np.any(np.abs(values) > 1.0 + 1e-12) \
            or np.any(values < -1.0 / 3.0 - 1e-12):
        raise QClockError(f"werner must be Werner parameters in [-1/3, 1], got {werner!r}")
    return values


def predicted_ghz_fidelity(werner) -> float:
    """GHZ fidelity ``½[Π(1 + w_l)/2 + Π w_l]`` for independent links with Werner parameters ``w_l``.

    Parameters
    ----------
    werner : float or array_like, shape (L,)
        Werner parameter of each link, in [−1/3, 1].

    Returns
    -------
    float
        ⟨GHZ|ρ|GHZ⟩.

    Raises
    ------
    QClockError
        If a Werner parameter is outside [−1/3, 1].
    """
    values = _werner_array(werner) if np.size(werner) else np.zeros(0)
    return float(0.5 * (np.prod((1.0 + values) / 2.0) + np.prod(values)))


def predicted_parity_contrast(werner) -> float:
    """Parity contrast ``C = Π_l w_l`` for independent links with Werner parameters ``w_l``.

    Parameters
    ----------
    werner : float or array_like, shape (L,)
        Werner parameter of each link, in [−1/3, 1].

    Returns
    -------
    float
        ⟨Π_i X_i⟩ at zero phase.

    Raises
    ------
    QClockError
        If a Werner parameter is outside [−1/3, 1].
    """
    values = _werner_array(werner) if np.size(werner) else np.zeros(0)
    return float(np.prod(values))
