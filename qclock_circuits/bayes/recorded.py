"""Recorded Ramsey outcomes in: per-cycle posteriors and phase/frequency estimates from a lab's counts.

Each clock cycle's counts are turned into the posterior over the phase φ with
the protocol's exact likelihood and a Gaussian prior (Bayes' rule, Kielinski &
Hammerer, arXiv:2505.04287 (2025), eq. (2); :func:`~qclock_circuits.bayes.posterior`),
and reported as the posterior mean (the Bayesian estimator of eq. (5)) and the
posterior width. With the dark time ``T`` the phase becomes the angular
frequency offset ``ω = φ / T`` (φ = ωT, CONVENTIONS.md) and, with a transition
frequency ν0 and ``T`` in seconds, the fractional frequency ``y = ω / (2π ν0)``.

Two file formats (no pickle):

* CSV with a header row ``cycle, outcome, count``: one row per observed
  outcome of a cycle; ``outcome`` is the protocol's outcome value (e.g. the
  collective ``M = k − N/2`` or the parity ±1) or a measured bitstring
  (Qiskit order, qubit 0 rightmost), mapped through the protocol's readout map;
* JSON of counts dicts: a list ``[{bitstring or outcome: n}, ...]`` (one per
  cycle, e.g. ``[pub.join_data().get_counts() for pub in sampler_result]``
  dumped with :mod:`json`), an object ``{"counts": [...]}``, or a
  ``qiskit.result.Result.to_dict()`` (hexadecimal keys such as ``'0x3'``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._tables import read_csv_columns, read_csv_rows
from .._validation import QClockError, check_finite
from .posterior import outcome_count_vector, posterior
from .priors import GaussianPrior

__all__ = ["CycleEstimates", "read_counts_file", "estimate_cycles"]

_BITS = re.compile(r"^[01]+$")
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")


@dataclass(frozen=True, eq=False)
class CycleEstimates:
    """Per-cycle phase and frequency estimates from recorded Ramsey outcomes.

    Parameters
    ----------
    cycles : ndarray of int
        Cycle labels, as in the file.
    shots : ndarray of int
        Shots per cycle.
    phase : ndarray
        Posterior mean of φ per cycle (rad).
    phase_std : ndarray
        Posterior standard deviation of φ per cycle (rad).
    prior_width : float
        Width δφ of the Gaussian prior (rad).
    prior_mean : float
        Mean of the prior (rad).
    protocol : str
        Name of the protocol whose likelihood was used.
    atoms : int
        Number of atoms N.
    interrogation_time : float or None
        Dark time T (in ``time_unit``); with it, frequencies are given.
    time_unit : str
        ``'s'`` or ``'Z'`` (units of the laser coherence time).
    transition_frequency : float or None
        ν0 in Hz; with T in seconds, fractional frequencies are given.
    meta : dict
        Provenance (source file).
    """

    cycles: np.ndarray
    shots: np.ndarray
    phase: np.ndarray
    phase_std: np.ndarray
    prior_width: float
    prior_mean: float
    protocol: str
    atoms: int
    interrogation_time: float | None = None
    time_unit: str = "Z"
    transition_frequency: float | None = None
    meta: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.cycles.size)

    @property
    def frequency(self) -> np.ndarray | None:
        """Angular frequency offset ω = φ/T (rad/s, or rad per Z), None without T."""
        return None if self.interrogation_time is None else self.phase / self.interrogation_time

    @property
    def frequency_std(self) -> np.ndarray | None:
        """Posterior width of ω (rad/s, or rad per Z), None without T."""
        return None if self.interrogation_time is None else self.phase_std / self.interrogation_time

    @property
    def fractional_frequency(self) -> np.ndarray | None:
        """y = ω/(2π ν0) per cycle, None unless T is in seconds and ν0 is given."""
        if self.transition_frequency is None or self.interrogation_time is None or self.time_unit != "s":
            return None
        return self.frequency / (2.0 * np.pi * self.transition_frequency)

    @property
    def fractional_frequency_std(self) -> np.ndarray | None:
        """Posterior width of y per cycle, None unless T is in seconds and ν0 is given."""
        if self.fractional_frequency is None:
            return None
        return self.frequency_std / (2.0 * np.pi * self.transition_frequency)

    def to_dict(self) -> dict:
        """The estimates as plain JSON-compatible data.

        Returns
        -------
        dict
            Every field, plus the derived frequencies (None where not defined) and their units.
        """
        unit = "rad/s" if self.time_unit == "s" else "rad per Z"

        def listed(values):
            return None if values is None else np.asarray(values).tolist()

        return {"cycles": self.cycles.tolist(), "shots": self.shots.tolist(), "phase": self.phase.tolist(),
                "phase_std": self.phase_std.tolist(), "prior_width": self.prior_width,
                "prior_mean": self.prior_mean, "protocol": self.protocol, "atoms": self.atoms,
                "interrogation_time": self.interrogation_time, "time_unit": self.time_unit,
                "transition_frequency": self.transition_frequency, "meta": dict(self.meta),
                "frequency": listed(self.frequency), "frequency_std": listed(self.frequency_std),
                "frequency_unit": unit, "fractional_frequency": listed(self.fractional_frequency),
                "fractional_frequency_std": listed(self.fractional_frequency_std)}

    @classmethod
    def from_dict(cls, data: Mapping) -> CycleEstimates:
        """Rebuild from :meth:`to_dict` output (derived fields are recomputed).

        Parameters
        ----------
        data : mapping
            As written by :meth:`to_dict`.

        Returns
        -------
        CycleEstimates
        """
        return cls(cycles=np.asarray(data["cycles"], dtype=np.int64), shots=np.asarray(data["shots"], dtype=np.int64),
                   phase=np.asarray(data["phase"], dtype=float), phase_std=np.asarray(data["phase_std"], dtype=float),
                   prior_width=float(data["prior_width"]), prior_mean=float(data["prior_mean"]),
                   protocol=str(data["protocol"]), atoms=int(data["atoms"]),
                   interrogation_time=data.get("interrogation_time"), time_unit=str(data.get("time_unit", "Z")),
                   transition_frequency=data.get("transition_frequency"), meta=dict(data.get("meta", {})))


# ----------------------------------------------------------------------------- reading
def _label(text: str, labels: str, atoms: int | None = None):
    """A CSV/JSON key as a bitstring (str) or an outcome value (float)."""
    text = text.strip()
    if labels == "bitstring" or (labels == "auto" and _BITS.match(text) and (len(text) > 1 or atoms == 1)):
        if not _BITS.match(text):
            raise QClockError(f"outcome {text!r} is not a bitstring of 0 and 1")
        return text
    try:
        return float(text)
    except ValueError:
        raise QClockError(f"outcome {text!r} is neither an outcome value nor a bitstring of 0 and 1") from None


def _hex_counts(counts: Mapping, width: int | None) -> dict:
    if width is None:
        raise QClockError("hexadecimal counts keys ('0x...') need the number of measured qubits "
                          "(header memory_slots, or atoms)")
    return {format(int(key, 16), f"0{width}b"): value for key, value in counts.items()}


def read_counts_file(path, labels: str = "auto", atoms: int | None = None) -> tuple[np.ndarray, list[dict]]:
    """Read recorded counts per cycle from a CSV or JSON file.

    Parameters
    ----------
    path : str or Path
        ``.json``: a list of counts dicts, ``{"counts": [...]}`` or a Qiskit
        ``Result.to_dict()``; anything else: CSV with columns ``cycle, outcome, count``
        (module docstring).
    labels : {'auto', 'outcome', 'bitstring'}
        How outcome labels are read: ``'auto'`` takes strings of 0/1 with at
        least two characters (any length with ``atoms=1``) as bitstrings and
        everything else as outcome values.
    atoms : int, optional
        Number of measured qubits N: expands hexadecimal keys of a Qiskit
        ``Result``, and with N = 1 makes ``'0'``/``'1'`` bitstrings.

    Returns
    -------
    (cycles, counts)
        Cycle labels (int array) and one ``{bitstring or outcome value: count}`` per cycle.

    Raises
    ------
    QClockError
        A missing file or column, a malformed row, a negative or non-integer count.
    """
    if labels not in ("auto", "outcome", "bitstring"):
        raise QClockError(f"labels must be 'auto', 'outcome' or 'bitstring', got {labels!r}")
    path = Path(path)
    if path.suffix.lower() == ".json":
        return _read_json(path, labels, atoms)
    columns = read_csv_columns(path, ("cycle", "count"), ())
    header, rows = read_csv_rows(path)
    if "outcome" not in header:
        raise QClockError(f"{path}: missing column 'outcome' (header has {', '.join(header)}; "
                          "required: cycle, outcome, count)")
    index = header.index("outcome")
    raw = [row[index] if index < len(row) else "" for _, row in rows]  # as text: bitstrings keep leading zeros
    cycles_column = columns["cycle"]
    if cycles_column.size == 0:
        raise QClockError(f"{path}: no data rows")
    order: dict[int, dict] = {}
    for row, (cycle, label, count) in enumerate(zip(cycles_column, raw, columns["count"]), start=1):
        if cycle != int(cycle) or count < 0 or count != int(count):
            raise QClockError(f"{path}, data row {row}: cycle and count must be integers (count >= 0), got "
                              f"cycle={cycle:g}, count={count:g}")
        key = _label(label, labels, atoms)
        counts = order.setdefault(int(cycle), {})
        counts[key] = counts.get(key, 0) + int(count)
    cycles = np.array(list(order), dtype=np.int64)
    return cycles, list(order.values())


def _read_json(path: Path, labels: str, atoms: int | None) -> tuple[np.ndarray, list[dict]]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise QClockError(f"file not found: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise QClockError(f"cannot read {path} as JSON: {error}") from None
    if isinstance(data, Mapping) and "results" in data:  # qiskit.result.Result.to_dict()
        entries = []
        for item in data["results"]:
            counts = item.get("data", {}).get("counts")
            if counts is None:
                raise QClockError(f"{path}: a result has no data.counts")
            width = item.get("header", {}).get("memory_slots", atoms)
            entries.append(_hex_counts(counts, width) if counts and all(_HEX.match(k) for k in counts) else counts)
    elif isinstance(data, Mapping) and "counts" in data:
        entries = data["counts"]
    elif isinstance(data, Mapping):
        entries = [data]
    else:
        entries = data
    if not isinstance(entries, Sequence) or not entries or not all(isinstance(e, Mapping) for e in entries):
        raise QClockError(f"{path}: expected a list of counts dicts (one per cycle), {{'counts': [...]}} or a "
                          "Qiskit Result.to_dict()")
    cycles = np.arange(len(entries), dtype=np.int64)
    return cycles, [{_label(str(k), labels, atoms): v for k, v in entry.items()} for entry in entries]


# ----------------------------------------------------------------------------- estimation
def estimate_cycles(protocol, counts, prior_width: float, *, prior_mean: float = 0.0,
                    interrogation_time: float | None = None, time_unit: str = "Z",
                    transition_frequency: float | None = None, cycles=None) -> CycleEstimates:
    """Posterior mean and width of φ for every recorded cycle (Kielinski & Hammerer eqs. (2), (5)).

    Each cycle is estimated on its own from the Gaussian prior ``N(prior_mean,
    prior_width²)`` (the prior of the closed clock loop, eq. (31)), with the
    protocol's exact likelihood P(x|φ).

    Parameters
    ----------
    protocol : RamseyProtocol
        The protocol that produced the counts (its readout map turns bitstrings into outcomes).
    counts : sequence or str or Path
        One counts object per cycle (``{outcome value: n}``, ``{bitstring: n}``,
        an array aligned with ``protocol.outcomes``, a SamplerV2 pub result),
        or a file (:func:`read_counts_file`).
    prior_width : float
        δφ of the prior in rad (> 0).
    prior_mean : float
        Mean of the prior in rad.
    interrogation_time : float, optional
        Dark time T (> 0) in ``time_unit``, to turn phases into frequencies ω = φ/T.
    time_unit : {'Z', 's'}
        Unit of ``interrogation_time``: the laser coherence time Z or seconds.
    transition_frequency : float, optional
        ν0 in Hz (> 0); with T in seconds, fractional frequencies y = ω/(2π ν0).
    cycles : array_like of int, optional
        Cycle labels (default 0, 1, ...; from the file when reading one).

    Returns
    -------
    CycleEstimates

    Raises
    ------
    QClockError
        Bad counts (an outcome the protocol cannot produce, bitstrings of the
        wrong length), counts impossible under the prior, or bad arguments.
    """
    meta = {}
    if isinstance(counts, (str, Path)):
        meta["file"] = str(counts)
        cycles, counts = read_counts_file(counts, atoms=protocol.atoms)
    if isinstance(counts, Mapping):
        raise QClockError("counts must be a sequence with one counts object per cycle, got one mapping "
                          "(wrap a single cycle in a list)")
    counts = list(counts)
    if not counts:
        raise QClockError("counts must hold at least one cycle, got none")
    prior = GaussianPrior(width=prior_width, mean=prior_mean)
    if time_unit not in ("Z", "s"):
        raise QClockError(f"time_unit must be 'Z' or 's', got {time_unit!r}")
    if interrogation_time is not None:
        interrogation_time = check_finite(interrogation_time, "interrogation_time")
        if interrogation_time <= 0:
            raise QClockError(f"interrogation_time must be > 0 ({time_unit}), got {interrogation_time}")
    if transition_frequency is not None:
        transition_frequency = check_finite(transition_frequency, "transition_frequency")
        if transition_frequency <= 0:
            raise QClockError(f"transition_frequency must be > 0 (Hz), got {transition_frequency}")
    labels = np.arange(len(counts), dtype=np.int64) if cycles is None else np.asarray(cycles, dtype=np.int64)
    if labels.shape != (len(counts),):
        raise QClockError(f"cycles must have one label per cycle ({len(counts)}), got shape {labels.shape}")
    means, widths, shots = [], [], []
    for label, cycle_counts in zip(labels, counts):
        try:
            vector = outcome_count_vector(protocol, cycle_counts)
            result = posterior(protocol, prior, vector)
        except (ValueError, TypeError) as error:
            raise QClockError(f"cycle {int(label)}: {error}") from None
        mean, width = _moments(result)
        means.append(mean)
        widths.append(width)
        shots.append(int(vector.sum()))
    return CycleEstimates(cycles=labels, shots=np.array(shots, dtype=np.int64), phase=np.array(means),
                          phase_std=np.array(widths), prior_width=prior.width, prior_mean=prior.mean,
                          protocol=str(protocol.name), atoms=int(protocol.atoms),
                          interrogation_time=interrogation_time, time_unit=time_unit,
                          transition_frequency=transition_frequency, meta=meta)


def _moments(density) -> tuple[float, float]:
    """Mean and standard deviation of a grid density with one evaluation of its weights (the grid can be 10^5 long)."""
    weights = density.weights
    offset = density.phi - density.phi[density.phi.shape[0] // 2]
    shift = float(np.sum(weights * offset))  # element-wise sums: no BLAS threads to contend for on a busy machine
    variance = float(np.sum(weights * (offset - shift) ** 2))
    return float(density.phi[density.phi.shape[0] // 2] + shift), math.sqrt(max(variance, 0.0))
