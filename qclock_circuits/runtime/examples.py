"""Example sweep functions (module-level, so every backend can import them).

Each takes one point (a dict) and returns a dict, as :func:`~.sweep.run_sweep`
expects, and takes its randomness from a ``seed`` in the point so that every
point is reproducible on any backend.

>>> from qclock_circuits.runtime import run_sweep
>>> from qclock_circuits.runtime.examples import protocol_bmse
>>> points = [{"protocol": "css", "atoms": n, "prior_width": 0.5} for n in (2, 4, 8)]
>>> [round(r["bmse"], 4) for r in run_sweep(protocol_bmse, points, backend="serial")]
[0.1687, 0.1272, 0.0851]
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import numpy as np

from .._validation import QClockError, check_atoms, check_choice, check_finite

__all__ = ["monte_carlo_pi", "protocol_bmse", "slow_square"]


def _get(point: dict, name: str, default=None, required: bool = True):
    if not isinstance(point, dict):
        raise TypeError(f"point must be a dict, got {point!r} ({type(point).__name__})")
    if name not in point:
        if required:
            raise QClockError(f"point must have the key {name!r}, got {point!r}")
        return default
    return point[name]


def monte_carlo_pi(point: dict) -> dict:
    """Seeded Monte-Carlo estimate of π from uniform points in the unit square.

    Parameters
    ----------
    point : dict
        ``samples`` (int ≥ 1) and ``seed`` (int ≥ 0, for :func:`numpy.random.default_rng`).

    Returns
    -------
    dict
        ``estimate`` (4 × fraction inside the quarter circle), ``std_error``
        (its binomial standard error) and ``samples``.

    Raises
    ------
    QClockError
        If ``point['seed']`` is not an integer ≥ 0.
    """
    samples = check_atoms(_get(point, "samples"), "point['samples']")
    seed = _get(point, "seed")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise QClockError(f"point['seed'] must be an integer >= 0, got {seed!r}")
    rng = np.random.default_rng(seed)
    xy = rng.random((samples, 2))
    fraction = float(np.mean(np.sum(xy**2, axis=1) <= 1.0))
    return {"estimate": 4.0 * fraction, "std_error": 4.0 * float(np.sqrt(fraction * (1 - fraction) / samples)),
            "samples": samples}


def protocol_bmse(point: dict) -> dict:
    """Exact BMSE of a named Ramsey protocol under a Gaussian prior (:func:`qclock_circuits.bayes.bmse`).

    Parameters
    ----------
    point : dict
        ``protocol`` ('css', 'sss' or 'ghz'), ``atoms`` (int ≥ 1),
        ``prior_width`` (δφ in rad, > 0), optional ``estimator``
        ('bayes' (default), 'linear', 'arcsin') and, for 'sss', ``twist``
        (μ, rad) and optional ``rotation`` (θ, rad; default variance-minimising).

    Returns
    -------
    dict
        ``bmse`` (rad²) and ``effective_uncertainty`` Δφ_M (rad, eq. 27 of
        Kielinski & Hammerer; ``inf`` when the measurement adds no information).
    """
    from .. import bayes, protocols

    kind = check_choice(_get(point, "protocol"), "point['protocol']", ("css", "sss", "ghz"))
    atoms = check_atoms(_get(point, "atoms"), "point['atoms']")
    width = check_finite(_get(point, "prior_width"), "point['prior_width']")
    estimator = _get(point, "estimator", "bayes", required=False)
    if kind == "sss":
        protocol = protocols.sss(atoms, _get(point, "twist"), _get(point, "rotation", None, required=False))
    else:
        protocol = getattr(protocols, kind)(atoms)
    value = bayes.bmse(protocol, bayes.GaussianPrior(width), estimator)
    return {"bmse": value, "effective_uncertainty": bayes.effective_measurement_uncertainty(value, width)}


def slow_square(point: dict) -> dict:
    """Square ``value`` after sleeping; records each call, can fail on purpose (checkpointing demo and tests).

    Parameters
    ----------
    point : dict
        ``value`` (number); optional ``sleep`` (s, default 0); optional
        ``marker_dir``: a directory in which every call first writes an empty
        file ``call-<value>-<pid>-<random>`` (so calls can be counted across
        processes and runs); optional ``fail_attempts`` (int, needs
        ``marker_dir``): raise :class:`RuntimeError` while at most that many
        calls for this value have been recorded.

    Returns
    -------
    dict
        ``value`` and ``square``.

    Raises
    ------
    QClockError
        If ``fail_attempts`` is given without ``marker_dir``.
    RuntimeError
        On purpose, in the first ``fail_attempts`` calls (to test retries).
    """
    value = check_finite(_get(point, "value"), "point['value']")
    sleep = check_finite(_get(point, "sleep", 0.0, required=False), "point['sleep']")
    marker_dir = _get(point, "marker_dir", None, required=False)
    fail_attempts = _get(point, "fail_attempts", 0, required=False)
    calls = 0
    if marker_dir is not None:
        directory = Path(marker_dir)
        tag = f"call-{_get(point, 'value')!r}-"
        (directory / f"{tag}{os.getpid()}-{uuid.uuid4().hex[:8]}").touch()
        calls = sum(1 for _ in directory.glob(f"{tag}*"))
    elif fail_attempts:
        raise QClockError("point['fail_attempts'] needs point['marker_dir'] to count the calls")
    if sleep > 0:
        time.sleep(sleep)
    if calls and calls <= fail_attempts:
        raise RuntimeError(f"slow_square fails on purpose (call {calls} of value {point['value']!r})")
    return {"value": point["value"], "square": value * value}
