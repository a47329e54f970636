"""qclock_circuits: design, test and run Ramsey interrogation protocols of atomic clocks.

Layers (bottom up): ``spin`` → ``protocols`` → ``circuits`` → ``bayes`` → ``clock`` → ``optimize`` →
``network``;
``runtime`` runs sweeps of independent points; ``report`` is the design study;
``plot`` draws figures from the results of every layer.
Subpackages are imported on first use, so ``import qclock_circuits`` is cheap
and has no side effects.
"""

from importlib import import_module

_SUBPACKAGES = ("spin", "protocols", "circuits", "bayes", "clock", "optimize", "network", "runtime", "report",
                "plot")
__all__ = [*_SUBPACKAGES, "__version__"]
__version__ = "0.1.0"


def __getattr__(name):
    if name in _SUBPACKAGES:
        return import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
