"""Run a sweep of independent points, checkpointing each finished point to disk.

A sweep is a function ``f(point: dict) -> dict`` and a list of points. Both
the points and the results are plain JSON data. With ``store=`` every
finished point is written at once (:class:`~.store.SweepStore`), and points
already there are not computed again: a job that is killed (even with
SIGKILL) and started again ends with the same results as an uninterrupted
one, recomputing only what had not finished. Stored results are validated
when loaded (see :mod:`.store`; ``check=`` adds the function's own schema and
range checks): a bad file is named in a warning and its point recomputed.
"""

from __future__ import annotations

import copy
import math
import numbers
import os
import pickle
import time
from collections.abc import Callable, Iterable
from typing import Any

from .._validation import QClockError, check_choice
from .backends import BACKENDS, check_dask_installed, run_dask, run_processes, run_serial
from .keys import check_points, function_name, key_from_name, to_json_data
from .store import SweepResult, SweepStore, check_plain_data

__all__ = ["run_sweep"]


def _check_count(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {value!r} ({type(value).__name__})")
    if value < minimum:
        raise QClockError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def _check_picklable(function: Callable, name: str, backend: str) -> None:
    try:
        pickle.dumps(function)
    except Exception as error:  # pickle raises PicklingError, AttributeError or TypeError
        raise QClockError(f"function {name} cannot be sent to the worker processes of backend={backend!r} "
                          f"({error}); use a function defined at module level in an importable module, or "
                          "backend='serial'") from None


def run_sweep(function: Callable[[dict], dict], points: Iterable[dict], *, store: str | os.PathLike | SweepStore
              | None = None, backend: str = "processes", workers: int | None = None, scheduler: Any = None,
              progress: Callable[[int, int], Any] | None = None, retries: int = 0, version: str = "",
              connect_timeout: float = 10.0, check: Callable[[dict, dict], Any] | None = None) -> list[dict]:
    """Evaluate ``function`` at every point; return the results in the order of ``points``.

    Parameters
    ----------
    function : callable
        ``f(point: dict) -> dict``. It receives the point as it reads back from
        JSON (tuples become lists, NumPy scalars Python numbers) and must
        return a JSON-serialisable dict (NumPy scalars/arrays are converted;
        ±inf is kept, written as ``Infinity``; a NaN anywhere in it is an
        error, never stored). For the
        ``"processes"`` and ``"dask"`` backends it must be picklable by
        reference: a function defined at module level in a module the workers
        can import (not a lambda or a nested function). Stochastic functions
        should take their seed from the point, so every point is reproducible
        whatever the backend.
    points : list of dict
        JSON-serialisable dicts with string keys and finite numbers. Equal
        points are computed once.
    store : str, os.PathLike or SweepStore, optional
        Directory (created if missing; must not be an existing file). Each
        finished point is written at once as ``<key>.json`` with
        ``key = point_key(function, point, version)``; points already stored
        are loaded instead of computed. A stored file that is not a valid
        result (truncated, edited, NaN, wrong types, too deeply nested, a
        directory or symlink in its place, or failing ``check``) is named in a
        :class:`~.store.StoreWarning` and its point is recomputed and the
        file replaced. Without a store nothing is written.
    backend : {'processes', 'serial', 'dask'}
        ``'processes'`` (default): a local
        :class:`~concurrent.futures.ProcessPoolExecutor`; ``'serial'``: a loop
        in this process; ``'dask'``: a ``dask.distributed`` cluster (needs the
        extra ``pip install "qclock_circuits[dask]"``).
    workers : int, optional
        Processes of the ``'processes'`` backend (≥ 1; default ``os.cpu_count()``).
        Ignored by the other backends (a Dask cluster has its own workers).
    scheduler : str or dask.distributed.Client, optional
        Dask scheduler address such as ``'tcp://10.0.0.5:8786'``, or an open
        client (left open). Default: the environment variable ``QCLOCK_SCHEDULER``.
    progress : callable, optional
        ``progress(done, total)`` once at the start (points found in the store
        count as done) and after each finished point; ``total = len(points)``.
    retries : int
        Extra attempts for a point whose function raises (≥ 0). On Dask a
        point is also retried when its worker dies.
    version : str
        Tag mixed into every key; change it when the function's results
        change meaning, so that stored results are not reused.
    connect_timeout : float
        Seconds to wait for the Dask scheduler (> 0).
    check : callable, optional
        ``check(point, result)`` raises ValueError/TypeError/KeyError when a
        result is not acceptable (schema, ranges). A stored result that fails
        is recomputed (with a warning); a freshly computed one that fails is an
        error naming the point, and is not stored.

    Returns
    -------
    list of dict
        ``result`` of each point, as read back from JSON, in the order of
        ``points`` (identical whether computed now or loaded from the store).

    Raises
    ------
    TypeError, QClockError
        For bad arguments (the message names the argument and the value), a
        missing Dask extra, or an unreachable scheduler (names the address).
    Exception
        The first exception raised by ``function`` (after ``retries``), with a
        note naming the point; points finished before it are in the store.
    QClockError
        If ``function`` returns a result with a NaN or one that fails ``check``.

    Examples
    --------
    >>> from qclock_circuits.runtime import run_sweep
    >>> from qclock_circuits.runtime.examples import monte_carlo_pi
    >>> points = [{"samples": 1000, "seed": s} for s in range(3)]
    >>> results = run_sweep(monte_carlo_pi, points, backend="serial")
    >>> [round(r["estimate"], 1) for r in results]
    [3.2, 3.1, 3.1]
    """
    name = function_name(function)
    check_choice(backend, "backend", BACKENDS)
    workers = (os.cpu_count() or 1) if workers is None else _check_count(workers, "workers", 1)
    retries = _check_count(retries, "retries", 0)
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be a callable progress(done, total) or None, got {progress!r}")
    if not isinstance(version, str):
        raise TypeError(f"version must be a str, got {version!r} ({type(version).__name__})")
    if check is not None and not callable(check):
        raise TypeError(f"check must be a callable check(point, result) or None, got {check!r}")
    if (isinstance(connect_timeout, bool) or not isinstance(connect_timeout, numbers.Real)
            or not math.isfinite(connect_timeout) or connect_timeout <= 0):
        raise QClockError(f"connect_timeout must be a finite number of seconds > 0, got {connect_timeout!r}")
    points = check_points(points)
    if backend == "dask":
        check_dask_installed()
    elif backend == "processes":
        _check_picklable(function, name, backend)
    if store is not None and not isinstance(store, SweepStore):
        store = SweepStore(store)

    keys = [key_from_name(name, point, version) for point in points]
    positions: dict[str, int] = {}
    unique: dict[str, dict] = {}
    for key, point in zip(keys, points):
        positions[key] = positions.get(key, 0) + 1
        unique.setdefault(key, point)
    results: dict[str, dict] = {}
    if store is not None:
        for key in unique:
            stored = store.load(key, None if check is None else (lambda result, key=key: check(unique[key], result)))
            if stored is not None:
                results[key] = stored.result
    total = len(points)
    done = sum(positions[key] for key in results)
    if progress is not None:
        progress(done, total)

    def finished(key: str, result: Any, meta: dict) -> None:
        nonlocal done
        point = unique[key]
        if not isinstance(result, dict):
            raise TypeError(f"function {name} must return a dict, got {type(result).__name__} for the point {point!r}")
        try:
            data = to_json_data(result)
        except (TypeError, ValueError, RecursionError) as error:
            raise TypeError(f"function {name} must return a JSON-serialisable dict, got {result!r} for the point "
                            f"{point!r}: {error}") from None
        try:
            check_plain_data(data, "the result")
            if check is not None:
                check(point, data)
        except (ValueError, TypeError, KeyError, IndexError) as error:
            raise QClockError(f"function {name} returned an invalid result for the point {point!r} ({error}); "
                              "it is not stored") from None
        if store is not None:
            store.save(SweepResult(key=key, function=name, point=point, result=data, version=version,
                                   started=float(meta["started"]), seconds=float(meta["seconds"]),
                                   finished=time.time(), attempts=int(meta["attempts"]), worker=str(meta["worker"])))
        results[key] = data
        done += positions[key]
        if progress is not None:
            progress(done, total)

    tasks = [(key, point) for key, point in unique.items() if key not in results]
    if tasks:
        if backend == "serial":
            run_serial(function, name, tasks, finished, retries=retries)
        elif backend == "processes":
            run_processes(function, name, tasks, finished, workers=workers, retries=retries)
        else:
            run_dask(function, name, tasks, finished, scheduler=scheduler, retries=retries, timeout=connect_timeout)

    output = []
    seen: set[str] = set()
    for key in keys:
        output.append(copy.deepcopy(results[key]) if key in seen else results[key])
        seen.add(key)
    return output
