"""Renamed arguments, constants and option values: the old spelling keeps working, with a DeprecationWarning.

Old spellings are kept for one minor version (until qclock_circuits 0.3) and
then removed. Three helpers cover every rename of the public API:

* :func:`renamed_arguments` — a decorator mapping old keyword names to new ones;
* :func:`renamed_attributes` — a module ``__getattr__`` for renamed constants
  and functions;
* :func:`renamed_value` — an old option value (e.g. ``rounding="seed"``)
  replaced by its new spelling.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Mapping

__all__ = ["REMOVAL_VERSION", "warn_renamed", "renamed_arguments", "renamed_attributes", "renamed_value"]

#: The version in which the deprecated spellings disappear.
REMOVAL_VERSION = "0.3"


def warn_renamed(old: str, new: str, what: str = "argument", stacklevel: int = 3) -> None:
    """Emit the one DeprecationWarning of a rename.

    Parameters
    ----------
    old, new : str
        The old and the new spelling.
    what : str, optional
        What was renamed (``'argument'``, ``'name'``, ``'value'``, ``'option'``), for the message.
    stacklevel : int, optional
        Passed to :func:`warnings.warn` so the warning points at the caller.
    """
    warnings.warn(f"{what} {old!r} is deprecated and will be removed in qclock_circuits {REMOVAL_VERSION}; "
                  f"use {new!r}", DeprecationWarning, stacklevel=stacklevel)


def renamed_arguments(**renames: str) -> Callable:
    """Decorator: accept the old keyword names ``old=new`` of a function, with a DeprecationWarning.

    Parameters
    ----------
    **renames : str
        ``old_name="new_name"`` for each renamed keyword argument.

    Returns
    -------
    callable
        A decorator. The wrapped function takes the new names; an old name is
        moved to its new name after a warning. Giving both raises TypeError.

    Examples
    --------
    >>> @renamed_arguments(n_atoms="atoms")
    ... def f(atoms):
    ...     return atoms
    """

    def decorate(function: Callable) -> Callable:
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            for old, new in renames.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(f"{function.__name__}() got both {old!r} (deprecated) and {new!r}; "
                                        f"give {new!r} only")
                    warn_renamed(old, new, f"{function.__name__}() argument")
                    kwargs[new] = kwargs.pop(old)
            return function(*args, **kwargs)

        wrapper.__deprecated_arguments__ = dict(renames)
        return wrapper

    return decorate


def renamed_attributes(module_name: str, namespace: Mapping, renames: Mapping[str, str]) -> Callable:
    """A module-level ``__getattr__`` that serves renamed attributes under their old names, with a warning.

    Parameters
    ----------
    module_name : str
        The module's ``__name__`` (for messages).
    namespace : mapping
        The module's ``globals()``, where the new names live.
    renames : mapping
        ``{old_name: new_name}``.

    Returns
    -------
    callable
        ``__getattr__(name)``: the new attribute for an old name (after a
        DeprecationWarning); AttributeError for any other unknown name.
    """

    def __getattr__(name: str):
        if name in renames:
            new = renames[name]
            warn_renamed(f"{module_name}.{name}", f"{module_name}.{new}", "name")
            return namespace[new]
        raise AttributeError(f"module {module_name!r} has no attribute {name!r}")

    return __getattr__


def renamed_value(value, renames: Mapping, name: str):
    """The new spelling of an option value, with a DeprecationWarning for an old one.

    Parameters
    ----------
    value : object
        The value given.
    renames : mapping
        ``{old_value: new_value}``.
    name : str
        The argument's name, for the message.

    Returns
    -------
    object
        ``renames[value]`` when ``value`` is an old spelling, else ``value`` unchanged.
    """
    if isinstance(value, str) and value in renames:
        warn_renamed(f"{name}={value!r}", f"{name}={renames[value]!r}", "value", stacklevel=4)
        return renames[value]
    return value
