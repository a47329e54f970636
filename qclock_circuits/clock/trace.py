"""A recorded frequency trace in, its overlapping Allan deviation with confidence intervals out.

A frequency counter, a clock comparison or a beat note logged at a fixed rate
gives either fractional-frequency samples ``y_i`` (each the mean over one
sample interval ``tau0 = 1/rate``) or phase (time-deviation) samples ``x_j``
in seconds, related by ``y_i = (x_{i+1} − x_i) / tau0`` (Riley, NIST Special
Publication 1065 (2008), sec. 3). :func:`trace_adev` turns either into the
overlapping Allan deviation of :func:`~qclock_circuits.clock.allan.overlapping_adev`
(SP 1065 eq. (11), the same numbers as ``allantools.oadev``) with χ²
confidence intervals; :func:`read_trace_csv` reads the trace from a CSV file.
"""

from __future__ import annotations

import numpy as np

from .._validation import QClockError, check_finite
from .allan import ONE_SIGMA_CONFIDENCE, AllanResult, overlapping_adev

__all__ = ["read_trace_csv", "trace_adev", "phase_to_frequency"]

_KINDS = ("freq", "phase")


def phase_to_frequency(x, rate: float) -> np.ndarray:
    """Fractional frequency ``y_i = (x_{i+1} − x_i) · rate`` from phase samples ``x`` (s).

    Parameters
    ----------
    x : array_like, 1-D
        Phase (time deviation) samples in seconds, at least 2, finite.
    rate : float
        Sample rate in Hz (> 0).

    Returns
    -------
    ndarray
        ``len(x) − 1`` fractional-frequency samples (dimensionless).

    Raises
    ------
    QClockError
        A non-finite sample, fewer than two samples or a rate ≤ 0.
    """
    rate = check_finite(rate, "rate")
    if rate <= 0:
        raise QClockError(f"rate must be a finite number > 0 (Hz), got {rate}")
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or x.size < 2 or not np.all(np.isfinite(x)):
        raise QClockError(f"x must be a 1-D array of at least 2 finite phase samples (s), got shape {x.shape}")
    return np.diff(x) * rate


def read_trace_csv(path, column: str | None = None) -> tuple[np.ndarray, str]:
    """Read a recorded trace: a column ``y`` (fractional frequency) or ``x`` (phase in s).

    Parameters
    ----------
    path : str or Path
        CSV file with a header row; ``#`` starts a comment line. Accepted
        headers: ``y``, ``frac_freq``, ``fractional_frequency`` (frequency) and
        ``x``, ``phase_s``, ``phase`` (phase in seconds).
    column : str, optional
        Which column to read when the file has several.

    Returns
    -------
    (ndarray, str)
        The samples and their kind, ``'freq'`` or ``'phase'``.

    Raises
    ------
    QClockError
        No recognised column, non-numbers, or fewer than 3 samples.
    """
    from .._tables import read_csv_columns

    spellings = {"freq": ("y", "frac_freq", "fractional_frequency"), "phase": ("x", "phase_s", "phase")}
    if column is not None:
        kind = next((k for k, names in spellings.items() if column.lower() in names), "freq")
        data = read_csv_columns(path, (column,))[column]
    else:
        found = None
        for kind, names in spellings.items():
            columns = read_csv_columns(path, (), (names[0],), {names[0]: names[1:]})
            if names[0] in columns:
                found = (columns[names[0]], kind)
                break
        if found is None:
            raise QClockError(f"{path}: missing column: need fractional frequency ('y') or phase in seconds ('x')")
        data, kind = found
    if data.size < 3:
        raise QClockError(f"{path}: too few samples: {data.size} (an Allan deviation needs at least 3)")
    if not np.all(np.isfinite(data)):
        raise QClockError(f"{path}: the samples must be finite numbers")
    return data, kind


def trace_adev(samples, rate: float, data_type: str = "freq", taus="octave", *,
               confidence: float = ONE_SIGMA_CONFIDENCE, noise="white") -> AllanResult:
    """Overlapping Allan deviation of a recorded trace, with χ² confidence intervals.

    Parameters
    ----------
    samples : array_like or str or Path
        Fractional-frequency samples, phase samples in seconds
        (``data_type='phase'``), or a CSV file (:func:`read_trace_csv`; its
        column decides the data type).
    rate : float
        Sample rate in Hz (> 0); τ0 = 1/rate.
    data_type : {'freq', 'phase'}
        What ``samples`` holds when it is an array.
    taus : 'octave' or array_like
        Averaging times in s (integer multiples of 1/rate), or ``'octave'``.
    confidence : float
        Two-sided probability of the interval (default ≈ 0.683, one sigma).
    noise : str or int
        Noise type of the equivalent degrees of freedom ('white', 'flicker', 'random_walk').

    Returns
    -------
    AllanResult
        τ in s, σ_y(τ) and its interval; equal to ``allantools.oadev(samples,
        rate=rate, data_type=data_type, taus=taus)``.

    Raises
    ------
    QClockError
        A bad rate, data type, sample or averaging time.
    """
    if data_type not in _KINDS:
        raise QClockError(f"data_type must be 'freq' or 'phase', got {data_type!r}")
    if isinstance(samples, (str, bytes)) or hasattr(samples, "__fspath__"):
        samples, data_type = read_trace_csv(samples)
    if data_type == "phase":
        samples = phase_to_frequency(samples, rate)
    return overlapping_adev(samples, rate=rate, taus=taus, confidence=confidence, noise=noise)
