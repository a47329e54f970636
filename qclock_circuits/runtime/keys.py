"""Canonical JSON, function names and the stable key of a sweep point.

A sweep point is identified on disk by :func:`point_key`: the SHA-256 of the
canonical JSON of ``{"function": <qualified name>, "point": <point>,
"version": <version>}`` (keys sorted, no whitespace, floats written with
``repr`` so they round-trip exactly). The same point of the same function
therefore has the same key in every process, on every machine and in every
later run; change ``version`` when the function's meaning changes so that old
results are not reused.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Iterable
from typing import Any

from .._validation import QClockError

__all__ = ["canonical_json", "to_json_data", "function_name", "point_key", "key_from_name", "check_points"]


def _numpy_default(value: Any) -> Any:
    """``json`` fallback: NumPy scalars and arrays become plain Python numbers and lists."""
    module = type(value).__module__
    if module == "numpy" or module.startswith("numpy."):
        if hasattr(value, "tolist"):
            return value.tolist()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _check_string_keys(value: Any, where: str) -> None:
    if isinstance(value, dict):
        for name, item in value.items():
            if not isinstance(name, str):
                raise TypeError(f"{where} has a non-string key {name!r} ({type(name).__name__}); "
                                "JSON objects allow string keys only")
            _check_string_keys(item, f"{where}[{name!r}]")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check_string_keys(item, f"{where}[{index}]")


def canonical_json(value: Any, *, allow_nan: bool = False) -> str:
    """Serialise ``value`` to canonical JSON (sorted keys, compact, exact floats).

    Parameters
    ----------
    value : JSON-able data
        dicts with string keys, lists/tuples, str, int, float, bool, None;
        NumPy scalars and arrays are converted to Python numbers and lists.
    allow_nan : bool
        Write non-finite floats as ``NaN``/``Infinity`` (Python's JSON
        extension) instead of raising.

    Returns
    -------
    str
        The JSON text: keys sorted, no spaces, floats written with ``repr``
        precision (so equal data gives equal text).

    Raises
    ------
    TypeError
        If ``value`` holds something JSON cannot represent (the message names it).
    ValueError
        If ``value`` holds a non-finite float and ``allow_nan`` is False.
    """
    _check_string_keys(value, "value")
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=allow_nan,
                      default=_numpy_default)


def to_json_data(value: Any, *, allow_nan: bool = True) -> Any:
    """Return ``value`` as it reads back from JSON (tuples → lists, NumPy → Python numbers).

    Parameters
    ----------
    value : JSON-able data
        As for :func:`canonical_json`.
    allow_nan : bool, optional
        Accept non-finite floats (kept as ``nan``/``inf``).

    Returns
    -------
    object
        ``json.loads(canonical_json(value))``: dicts, lists, str, int, float,
        bool and None only.

    Raises
    ------
    TypeError, ValueError
        As :func:`canonical_json`.
    """
    return json.loads(canonical_json(value, allow_nan=allow_nan))


def function_name(function: Callable) -> str:
    """Qualified name ``module.qualname`` that identifies ``function`` in point keys.

    A :func:`functools.partial` is named after its function followed by the
    canonical JSON of its bound arguments (which must therefore be JSON-able).
    A callable object without ``__qualname__`` is named after its class.

    Parameters
    ----------
    function : callable
        A function, a :func:`functools.partial` or a callable object.

    Returns
    -------
    str
        The name, e.g. ``"qclock_circuits.runtime.examples.square"``.

    Raises
    ------
    TypeError
        If ``function`` is not callable, or a partial binds non-JSON arguments.
    """
    if not callable(function):
        raise TypeError(f"function must be a callable f(point: dict) -> dict, got {function!r} "
                        f"({type(function).__name__})")
    if isinstance(function, functools.partial):
        try:
            bound = canonical_json({"args": list(function.args), "keywords": dict(function.keywords)})
        except (TypeError, ValueError) as exc:
            raise TypeError(f"function is a functools.partial with arguments that are not JSON-serialisable "
                            f"({exc}); put them in the points instead") from None
        return f"{function_name(function.func)}{bound}"
    module = getattr(function, "__module__", None)
    qualname = getattr(function, "__qualname__", None)
    if not isinstance(qualname, str):
        module = type(function).__module__
        qualname = type(function).__qualname__
    return f"{module}.{qualname}" if module else qualname


def key_from_name(name: str, point: dict, version: str = "") -> str:
    """Key of ``point`` for the function called ``name`` (see :func:`point_key`).

    Parameters
    ----------
    name : str
        Qualified name of the sweep function (:func:`function_name`).
    point : dict
        The point's parameters (JSON data).
    version : str, optional
        Version tag of the sweep; a new tag gives new keys.

    Returns
    -------
    str
        SHA-256 (64 lowercase hex digits) of the canonical JSON of
        ``{"function": name, "point": point, "version": version}``.
    """
    text = canonical_json({"function": name, "point": point, "version": version})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def point_key(function: Callable, point: dict, version: str = "") -> str:
    """Stable key (64 hex digits) of ``point`` evaluated by ``function``.

    Parameters
    ----------
    function : callable
        The sweep function; only its qualified name (:func:`function_name`)
        enters the key, not its code.
    point : dict
        JSON-serialisable point (string keys, finite numbers).
    version : str
        Optional tag; bump it when the function's results change meaning so
        that stored results are not reused.

    Returns
    -------
    str
        ``sha256`` of the canonical JSON of function name, point and version.

    Raises
    ------
    TypeError
        If ``version`` is not a str or ``point`` holds something JSON cannot
        represent.
    QClockError
        If ``point`` holds a non-finite number.
    """
    if not isinstance(version, str):
        raise TypeError(f"version must be a str, got {version!r} ({type(version).__name__})")
    [normalised] = check_points([point])
    return key_from_name(function_name(function), normalised, version)


def check_points(points: Iterable[dict]) -> list[dict]:
    """Check that every point is a JSON-serialisable dict; return them as read back from JSON.

    Parameters
    ----------
    points : iterable of dict
        The sweep's points.

    Returns
    -------
    list of dict
        The points as read back from JSON (:func:`to_json_data`), in order.

    Raises
    ------
    TypeError
        If ``points`` is not a list/sequence of dicts or a point holds
        something JSON cannot represent; the message names the first bad point.
    QClockError
        If a point holds a non-finite number (NaN has no stable key).
    """
    if isinstance(points, (str, bytes, dict)) or not isinstance(points, Iterable):
        raise TypeError(f"points must be a list of dicts, got {points!r} ({type(points).__name__})")
    checked = []
    for index, point in enumerate(points):
        if not isinstance(point, dict):
            raise TypeError(f"points[{index}] must be a dict (a JSON object), got {point!r} "
                            f"({type(point).__name__})")
        try:
            text = canonical_json(point)
        except ValueError as exc:
            raise QClockError(f"points[{index}] must contain only finite numbers, got {point!r} ({exc})") from None
        except (TypeError, RecursionError) as exc:
            raise TypeError(f"points[{index}] must be JSON-serialisable, got {point!r}: {exc}") from None
        checked.append(json.loads(text))
    return checked
