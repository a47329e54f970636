"""Map measured bitstrings to protocol outcomes, vectorised.

A shot is a bitstring with one character per atom (Qiskit little-endian:
qubit 0 is the rightmost character, which does not matter here). The number
of '1' characters is the number ``k`` of excited atoms; the protocol maps it
to the column ``protocol.outcome_index(k)`` of ``protocol.outcomes``:
``M = k − N/2`` for ``'jz'`` and ``'phase'`` readouts, ``(−1)^k`` for
``'parity'`` (k even → +1).

Accepted count containers: a ``{bitstring: count}`` mapping (e.g.
``BitArray.get_counts()`` or ``qiskit.result.Counts``), a
:class:`~qiskit.primitives.BitArray` of any shape (from a SamplerV2 pub
result; the per-shot bit counts come from ``BitArray.bitcount()``), a
``DataBin``, a SamplerV2 pub result, or a ``PrimitiveResult`` holding one pub.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping

import numpy as np
from qiskit.primitives import BitArray, PrimitiveResult

from .._validation import QClockError
from ..protocols.ramsey import RamseyProtocol
from .builder import MEASURE_REGISTER

__all__ = [
    "excitations_from_bitstrings",
    "outcome_counts",
    "outcome_count_dict",
    "find_bit_array",
]

_ZERO, _ONE = ord("0"), ord("1")


def _check_num_qubits(num_qubits) -> int:
    if isinstance(num_qubits, bool) or not isinstance(num_qubits, numbers.Integral) or num_qubits < 1:
        raise QClockError(f"num_qubits must be an integer >= 1, got {num_qubits!r}")
    return int(num_qubits)


def excitations_from_bitstrings(bitstrings, num_qubits: int) -> np.ndarray:
    """Number of '1' characters (excited atoms) of each bitstring.

    Parameters
    ----------
    bitstrings : str or iterable of str
        Bitstrings of exactly ``num_qubits`` characters '0'/'1' each.
    num_qubits : int
        Number of qubits (atoms) N.

    Returns
    -------
    numpy.ndarray of int64
        ``k`` for each bitstring (0-d for a single string).

    Raises
    ------
    ValueError
        If a bitstring has the wrong length or a character other than 0/1.
    """
    num_qubits = _check_num_qubits(num_qubits)
    single = isinstance(bitstrings, str)
    if not single and not isinstance(bitstrings, np.ndarray):
        if not isinstance(bitstrings, Iterable):
            raise TypeError(f"bitstrings must be a string or an iterable of strings, got "
                            f"{type(bitstrings).__name__}")
        bitstrings = list(bitstrings)
    array = np.asarray(bitstrings)
    if array.size == 0:
        return np.zeros(array.shape, dtype=np.int64)
    if array.dtype.kind != "U":
        raise TypeError(f"bitstrings must be strings of '0' and '1', got dtype {array.dtype}")
    lengths = np.char.str_len(array)
    wrong = lengths != num_qubits
    if np.any(wrong):
        bad = str(array[wrong].ravel()[0])
        raise QClockError(f"bitstrings must have num_qubits = {num_qubits} characters, got {bad!r} "
                          f"of length {len(bad)}")
    codes = np.ascontiguousarray(array.astype(f"<U{num_qubits}")).view(np.uint32)
    codes = codes.reshape(array.shape + (num_qubits,))
    invalid = (codes != _ZERO) & (codes != _ONE)
    if np.any(invalid):
        bad = str(array[np.any(invalid, axis=-1)].ravel()[0])
        raise QClockError(f"bitstrings may contain only the characters '0' and '1', got {bad!r} "
                          "(hexadecimal or space-separated multi-register keys are not accepted)")
    return np.count_nonzero(codes == _ONE, axis=-1).astype(np.int64)


def find_bit_array(result, register: str | None = None) -> BitArray:
    """The :class:`BitArray` of a SamplerV2 pub result, ``DataBin`` or one-pub ``PrimitiveResult``.

    Uses ``register`` if given, else the register ``"meas"`` if present, else
    the only ``BitArray`` in the data.

    Parameters
    ----------
    result : BitArray, DataBin, SamplerPubResult or PrimitiveResult
        Output of a SamplerV2 run (a PrimitiveResult must hold exactly one pub).
    register : str, optional
        Name of the classical register to take.

    Returns
    -------
    qiskit.primitives.BitArray
        The measured bits.

    Raises
    ------
    TypeError
        If ``result`` holds no data.
    QClockError
        If a PrimitiveResult holds several pubs, ``register`` is absent, or
        several registers are present and none is named ``"meas"``.
    """
    if isinstance(result, BitArray):
        return result
    if isinstance(result, PrimitiveResult):
        if len(result) != 1:
            raise QClockError(f"result must hold exactly one pub result, got {len(result)}; "
                              "pass result[i] instead")
        result = result[0]
    data = getattr(result, "data", result)
    if not hasattr(data, "items"):
        raise TypeError("counts must be a {bitstring: count} mapping, a BitArray, a DataBin, a "
                        f"SamplerV2 pub result or a one-pub PrimitiveResult, got {type(result).__name__}")
    arrays = {name: value for name, value in data.items() if isinstance(value, BitArray)}
    if register is not None:
        if register not in arrays:
            raise QClockError(f"register must be one of {sorted(arrays)}, got {register!r}")
        return arrays[register]
    if MEASURE_REGISTER in arrays:
        return arrays[MEASURE_REGISTER]
    if len(arrays) != 1:
        raise QClockError(f"result holds classical registers {sorted(arrays)}; expected one, or one "
                          f"named {MEASURE_REGISTER!r}")
    return next(iter(arrays.values()))


def _bincount_rows(index: np.ndarray, width: int) -> np.ndarray:
    """Histogram of the last axis of ``index`` into ``width`` bins, for every leading index."""
    lead = index.shape[:-1]
    rows = int(np.prod(lead, dtype=np.int64))
    flat = index.reshape(rows, -1) + width * np.arange(rows, dtype=np.int64)[:, None]
    counts = np.bincount(flat.ravel(), minlength=rows * width)
    return counts.reshape(lead + (width,)).astype(np.int64)


def _counts_from_mapping(protocol: RamseyProtocol, counts: Mapping) -> np.ndarray:
    width = len(protocol.outcomes)
    if len(counts) == 0:
        return np.zeros(width, dtype=np.int64)
    keys = list(counts.keys())
    if not all(isinstance(key, str) for key in keys):
        bad = next(key for key in keys if not isinstance(key, str))
        raise TypeError(f"counts keys must be bitstrings, got {bad!r}")
    values = np.array([counts[key] for key in keys], dtype=object)
    for key, value in zip(keys, values):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) \
                or float(value) != int(value):
            raise QClockError(f"counts values must be non-negative integers, got {value!r} for {key!r}")
        if value < 0:
            raise QClockError(f"counts values must be non-negative integers, got {value!r} for {key!r}")
    lengths = {len(key) for key in keys}
    if lengths != {protocol.atoms}:
        other = sorted(lengths - {protocol.atoms})[0]
        raise QClockError(f"counts come from a circuit with {other} measured qubits, but the protocol "
                          f"{protocol.name!r} has atoms = {protocol.atoms}; bitstrings must have "
                          f"{protocol.atoms} characters")
    excitations = excitations_from_bitstrings(keys, protocol.atoms)
    index = protocol.outcome_index(excitations)
    table = np.zeros(width, dtype=np.int64)
    np.add.at(table, index, values.astype(np.int64))
    return table


def outcome_counts(protocol: RamseyProtocol, counts, register: str | None = None) -> np.ndarray:
    """Counts of each protocol outcome, aligned with ``protocol.outcomes``.

    Parameters
    ----------
    protocol : RamseyProtocol
        Defines N and the readout map ``k → outcome``.
    counts : mapping, BitArray, DataBin, pub result or one-pub PrimitiveResult
        Measured shots (see the module docstring).
    register : str, optional
        Classical register to use from a result holding several.

    Returns
    -------
    numpy.ndarray of int64
        Shape ``(len(protocol.outcomes),)`` for a mapping or a 0-d BitArray;
        ``bit_array.shape + (len(outcomes),)`` for a parameter sweep.

    Raises
    ------
    ValueError
        Bitstrings of the wrong length (a circuit with a different number of
        qubits than ``protocol.atoms``), characters other than 0/1, negative
        or non-integer counts.
    """
    if not isinstance(protocol, RamseyProtocol):
        raise TypeError(f"protocol must be a RamseyProtocol, got {type(protocol).__name__}")
    if isinstance(counts, Mapping):
        return _counts_from_mapping(protocol, counts)
    bits = find_bit_array(counts, register)
    if bits.num_bits != protocol.atoms:
        raise QClockError(f"counts come from a circuit with {bits.num_bits} measured qubits, but the "
                          f"protocol {protocol.name!r} has atoms = {protocol.atoms}")
    excitations = np.asarray(bits.bitcount(), dtype=np.int64)  # shape (*shape, shots)
    index = protocol.outcome_index(excitations)
    return _bincount_rows(index, len(protocol.outcomes))


def outcome_count_dict(protocol: RamseyProtocol, counts, register: str | None = None) -> dict[float, int]:
    """``{outcome value: count}`` for a single parameter set (all outcomes listed, zeros included).

    Parameters
    ----------
    protocol : RamseyProtocol
        Defines N and the readout map ``k → outcome``.
    counts : mapping, BitArray, DataBin, pub result or one-pub PrimitiveResult
        Measured shots of one parameter set (see :func:`outcome_counts`).
    register : str, optional
        Classical register to use from a result holding several.

    Returns
    -------
    dict of float to int
        Count of every outcome value of ``protocol.outcomes`` (M, parity ±1, or
        phase in rad).

    Raises
    ------
    TypeError
        If ``protocol`` or ``counts`` has the wrong type.
    QClockError
        If ``counts`` holds a parameter sweep, or the bitstrings or counts are
        invalid (see :func:`outcome_counts`).
    """
    table = outcome_counts(protocol, counts, register)
    if table.ndim != 1:
        raise QClockError(f"counts must be for a single parameter set, got a sweep of shape "
                          f"{table.shape[:-1]}; use outcome_counts for sweeps")
    return {float(value): int(n) for value, n in zip(protocol.outcomes, table)}
