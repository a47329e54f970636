"""Where the points of a sweep run: in this process, in local processes, or on a Dask cluster.

Each backend takes the pending ``(key, point)`` pairs and calls
``on_done(key, result, meta)`` in *this* process as each point finishes, in
completion order, so the caller can store it at once. The executors are used
as they are (:class:`concurrent.futures.ProcessPoolExecutor`,
:class:`dask.distributed.Client`); nothing here schedules work itself.

On the first failing point the backends stop submitting (pending work is
cancelled), still hand over the points that finish meanwhile, then re-raise
the point's exception with a note naming the point.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from .._validation import QClockError

__all__ = ["BACKENDS", "DASK_EXTRA_HINT", "SCHEDULER_ENV", "execute_point", "run_serial", "run_processes",
           "run_dask", "check_dask_installed", "connect_dask"]

#: Backend names accepted by :func:`~.sweep.run_sweep`.
BACKENDS = ("processes", "serial", "dask")
#: Environment variable read for the Dask scheduler address when none is given.
SCHEDULER_ENV = "QCLOCK_SCHEDULER"
DASK_EXTRA_HINT = 'the "dask" backend needs dask.distributed: pip install "qclock_circuits[dask]"'

Task = tuple[str, dict]
OnDone = Callable[[str, Any, dict], None]


def execute_point(function: Callable[[dict], dict], point: dict, retries: int = 0) -> tuple[Any, dict]:
    """Call ``function(point)``, retrying up to ``retries`` times on an exception.

    Runs in the worker. The last exception is re-raised when every attempt
    fails.

    Parameters
    ----------
    function : callable
        The sweep function, called as ``function(point)``.
    point : dict
        The point's parameters (JSON data).
    retries : int, optional
        Number of further attempts after a first one that raised (>= 0).

    Returns
    -------
    result : object
        What ``function(point)`` returned.
    meta : dict
        ``started`` (Unix time, s), ``seconds`` (wall time of the successful
        attempt, s), ``attempts`` (int) and ``worker`` (``"host:pid"``).
    """
    attempts = 0
    while True:
        attempts += 1
        started = time.time()
        clock = time.perf_counter()
        try:
            result = function(point)
        except Exception:
            if attempts > retries:
                raise
            continue
        return result, {"started": started, "seconds": time.perf_counter() - clock, "attempts": attempts,
                        "worker": f"{socket.gethostname()}:{os.getpid()}"}


def _annotate(error: BaseException, name: str, point: dict) -> BaseException:
    if isinstance(error, BrokenProcessPool):
        error.add_note(f"a worker process of the sweep of {name} died (killed, crashed or out of memory); points "
                       "finished before are kept in the store, run the sweep again to resume")
    else:
        error.add_note(f"while computing the point {point!r} with {name}; points finished before are kept in "
                       "the store, run the sweep again to resume")
    return error


def run_serial(function: Callable, name: str, tasks: Sequence[Task], on_done: OnDone, *, retries: int = 0) -> None:
    """Compute the points one after the other in this process.

    Parameters
    ----------
    function : callable
        Module-level sweep function, called as ``function(point)``.
    name : str
        Qualified name of ``function``, used in the notes added to errors.
    tasks : sequence of (str, dict)
        The ``(key, point)`` pairs still to compute.
    on_done : callable
        Called as ``on_done(key, result, meta)`` in this process as each point
        finishes (``meta`` as returned by :func:`execute_point`).
    retries : int, optional
        Further attempts per point after a failure (>= 0).

    Raises
    ------
    Exception
        The first exception of a point whose every attempt failed, with a note
        naming the point and saying that finished points are kept.
    """
    for key, point in tasks:
        try:
            result, meta = execute_point(function, point, retries)
        except Exception as error:
            raise _annotate(error, name, point)
        on_done(key, result, meta)


def run_processes(function: Callable, name: str, tasks: Sequence[Task], on_done: OnDone, *, workers: int,
                  retries: int = 0) -> None:
    """Compute the points in a :class:`~concurrent.futures.ProcessPoolExecutor` of ``workers`` processes.

    ``function`` is pickled by reference: it must be a module-level function
    that the worker processes can import. Results are handed to ``on_done`` as
    they complete (:func:`~concurrent.futures.as_completed`).

    Parameters
    ----------
    function : callable
        Module-level sweep function, called as ``function(point)``.
    name : str
        Qualified name of ``function``, used in the notes added to errors.
    tasks : sequence of (str, dict)
        The ``(key, point)`` pairs still to compute.
    on_done : callable
        Called as ``on_done(key, result, meta)`` in this process as each point
        finishes (``meta`` as returned by :func:`execute_point`).
    workers : int
        Number of worker processes (at most one per task is started).
    retries : int, optional
        Further attempts per point after a failure (>= 0).

    Raises
    ------
    Exception
        The first exception of a point whose every attempt failed, with a note
        naming the point and saying that finished points are kept.
    """
    if not tasks:
        return
    first_error: BaseException | None = None
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks))) as pool:
        futures = {pool.submit(execute_point, function, point, retries): (key, point) for key, point in tasks}
        try:
            for future in as_completed(futures):
                if future.cancelled():
                    continue
                key, point = futures[future]
                try:
                    result, meta = future.result()
                    on_done(key, result, meta)
                except Exception as error:
                    if first_error is None:
                        first_error = _annotate(error, name, point)
                        for other in futures:
                            other.cancel()
        except BaseException:  # KeyboardInterrupt: do not start anything new
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    if first_error is not None:
        raise first_error


def check_dask_installed() -> None:
    """Raise :class:`QClockError` naming the ``dask`` extra if dask.distributed is not importable.

    Raises
    ------
    QClockError
        If dask.distributed cannot be imported (the message names the ``dask`` extra).
    """
    try:
        found = importlib.util.find_spec("dask") is not None and importlib.util.find_spec("distributed") is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise QClockError(DASK_EXTRA_HINT)


def connect_dask(scheduler: Any = None, timeout: float = 10.0) -> tuple[Any, bool]:
    """Return ``(client, owned)``: a Dask client for ``scheduler`` and whether the caller must close it.

    Parameters
    ----------
    scheduler : str, dask.distributed.Client or None
        Scheduler address (``"tcp://host:8786"``); an existing client is used
        as it is (and not closed); None reads :data:`SCHEDULER_ENV`.
    timeout : float
        Seconds to wait for the scheduler.

    Returns
    -------
    client : dask.distributed.Client
        The connected client.
    owned : bool
        True when this call created the client (the caller must close it),
        False when ``scheduler`` was already a client.

    Raises
    ------
    QClockError
        If dask.distributed is missing (names the extra), no address is
        given, the address is malformed or the scheduler cannot be reached
        within ``timeout`` (names the address).
    """
    try:
        from dask.distributed import Client
        from distributed.comm import resolve_address
    except ImportError:
        raise QClockError(DASK_EXTRA_HINT) from None
    if isinstance(scheduler, Client):
        return scheduler, False
    source, origin = "scheduler", "the scheduler argument"
    if scheduler is None:
        scheduler = os.environ.get(SCHEDULER_ENV) or None
        source = origin = f"${SCHEDULER_ENV}"
        if scheduler is None:
            raise QClockError(f"backend='dask' needs a scheduler: pass scheduler='tcp://HOST:8786' (or a "
                              f"dask.distributed.Client), or set the environment variable {SCHEDULER_ENV}")
    if not isinstance(scheduler, str):
        raise TypeError(f"scheduler must be an address string such as 'tcp://127.0.0.1:8786', a "
                        f"dask.distributed.Client or None, got {scheduler!r} ({type(scheduler).__name__})")
    try:
        resolve_address(scheduler)
    except (ValueError, OSError) as error:
        raise QClockError(f"{source} must be a Dask scheduler address such as 'tcp://127.0.0.1:8786', got "
                          f"{scheduler!r} ({error})") from None
    try:
        client = Client(scheduler, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as error:
        raise QClockError(f"cannot reach the Dask scheduler at {scheduler!r} (from {origin}) within {timeout:g} s: "
                          f"{error}") from None
    return client, True


def run_dask(function: Callable, name: str, tasks: Sequence[Task], on_done: OnDone, *, scheduler: Any = None,
             retries: int = 0, timeout: float = 10.0) -> None:
    """Compute the points on a Dask cluster; gather them with ``dask.distributed.as_completed``.

    ``function`` and this package must be importable on the workers (module-level
    functions are pickled by reference). ``retries`` is passed to
    ``Client.submit``, so a point is also retried when its worker dies.

    Parameters
    ----------
    function : callable
        Module-level sweep function, called as ``function(point)``.
    name : str
        Qualified name of ``function``, used in the notes added to errors.
    tasks : sequence of (str, dict)
        The ``(key, point)`` pairs still to compute.
    on_done : callable
        Called as ``on_done(key, result, meta)`` in this process as each point
        finishes (``meta`` as returned by :func:`execute_point`).
    scheduler : str, dask.distributed.Client or None, optional
        Scheduler address, an existing client, or None to read
        :data:`SCHEDULER_ENV` (see :func:`connect_dask`).
    retries : int, optional
        Further attempts per point after a failure or a lost worker (>= 0).
    timeout : float, optional
        Seconds to wait for the scheduler.

    Raises
    ------
    Exception
        The first exception of a point whose every attempt failed, with a note
        naming the point and saying that finished points are kept.
    QClockError
        When dask.distributed is missing or the scheduler cannot be reached.
    """
    if not tasks:
        return
    client, owned = connect_dask(scheduler, timeout)
    from dask.distributed import as_completed as dask_as_completed

    short = name.rsplit(".", 1)[-1][:40] or "point"
    try:
        owner: dict[str, Task] = {}
        futures = []
        for key, point in tasks:
            future = client.submit(execute_point, function, point, 0, key=f"qclock-{short}-{key[:12]}-"
                                   f"{uuid.uuid4().hex[:8]}", pure=False, retries=retries)
            owner[future.key] = (key, point)
            futures.append(future)
        first_error: BaseException | None = None
        handled: set[str] = set()
        for future in dask_as_completed(futures, loop=client.loop):
            handled.add(future.key)
            key, point = owner[future.key]
            if future.status == "cancelled":
                continue
            try:
                result, meta = future.result()
                on_done(key, result, meta)
            except Exception as error:
                first_error = _annotate(error, name, point)
                break
        if first_error is not None:
            remaining = [other for other in futures if not other.done()]
            if remaining:
                client.cancel(remaining)
            for other in futures:  # keep what finished meanwhile
                if other.key not in handled and other.status == "finished":
                    try:
                        on_done(owner[other.key][0], *other.result())
                    except Exception:
                        pass
            raise first_error
    finally:
        if owned:
            client.close()
