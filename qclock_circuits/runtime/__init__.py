"""Where work runs: serial, local processes (default) or Dask; checkpointed, resumable sweeps.

A *sweep* is a function ``f(point: dict) -> dict`` evaluated at a list of
independent points (plain JSON data in and out). :func:`run_sweep` runs it on
a backend and, with ``store=`` a directory, writes every finished point to
``<store>/<key>.json`` as soon as it finishes, so an interrupted job started
again recomputes only what had not finished.

>>> from qclock_circuits.runtime import run_sweep
>>> from qclock_circuits.runtime.examples import monte_carlo_pi
>>> results = run_sweep(monte_carlo_pi, [{"samples": 10_000, "seed": 0}], backend="serial")
>>> abs(results[0]["estimate"] - 3.14159) < 0.05
True

Backends: ``"processes"`` (:class:`concurrent.futures.ProcessPoolExecutor`),
``"serial"`` (this process) and ``"dask"`` (``dask.distributed``; scheduler
address from ``scheduler=`` or ``$QCLOCK_SCHEDULER``; needs
``pip install "qclock_circuits[dask]"``).
"""

from .backends import BACKENDS, SCHEDULER_ENV
from .keys import canonical_json, function_name, point_key
from .store import StoreWarning, SweepResult, SweepStore, claim_directory, write_atomic
from .sweep import run_sweep

__all__ = ["run_sweep", "SweepStore", "SweepResult", "StoreWarning", "claim_directory", "write_atomic",
           "point_key", "function_name", "canonical_json", "BACKENDS",
           "SCHEDULER_ENV"]
