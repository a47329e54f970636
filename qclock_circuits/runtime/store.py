"""On-disk store of finished sweep points: one JSON file per point.

Layout: ``<directory>/<key>.json`` where ``key`` is :func:`~.keys.point_key`.
Each file holds one :class:`SweepResult` (format tag, key, function name,
version, point, result, timings). Files are written atomically (temporary
file in the same directory, ``fsync``, :func:`os.replace`), so a job killed
at any moment leaves either the complete file or none. A file that cannot be
read back as a valid result (truncated, edited, another format) is treated as
missing and is overwritten when the point is computed again. Nothing is
pickled: a store can be read with any JSON reader.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .._validation import QClockError
from .keys import canonical_json, function_name, key_from_name

__all__ = ["SweepResult", "SweepStore", "FORMAT"]

#: Format tag written into every result file.
FORMAT = "qclock_circuits.runtime.sweep_point/1"

_KEY_PATTERN = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class SweepResult:
    """One finished sweep point.

    Attributes
    ----------
    key : str
        :func:`~.keys.point_key` of the point (64 hex digits).
    function : str
        Qualified name of the sweep function.
    point : dict
        The point, as read back from JSON.
    result : dict
        The function's result, as read back from JSON.
    version : str
        The sweep's version tag.
    started : float
        Unix time (s) at which the successful attempt started.
    seconds : float
        Wall time (s) of the successful attempt.
    finished : float
        Unix time (s) at which the result was stored.
    attempts : int
        Number of attempts (1 + retries used).
    worker : str
        ``host:pid`` of the process that computed it.
    """

    key: str
    function: str
    point: dict
    result: dict
    version: str = ""
    started: float = 0.0
    seconds: float = 0.0
    finished: float = 0.0
    attempts: int = 1
    worker: str = ""

    def to_dict(self) -> dict:
        """Plain-data form (what the store writes), with the format tag."""
        data = {"format": FORMAT}
        data.update({item.name: getattr(self, item.name) for item in fields(self)})
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "SweepResult":
        """Inverse of :meth:`to_dict`; checks the format tag, field types and that the key matches.

        Raises
        ------
        QClockError
            If ``data`` is not a valid sweep-point record.
        """
        if not isinstance(data, dict):
            raise QClockError(f"a sweep result must be a dict, got {type(data).__name__}")
        if data.get("format") != FORMAT:
            raise QClockError(f"sweep result format must be {FORMAT!r}, got {data.get('format')!r}")
        types = {"key": str, "function": str, "point": dict, "result": dict, "version": str,
                 "started": (int, float), "seconds": (int, float), "finished": (int, float), "attempts": int,
                 "worker": str}
        values = {}
        for name, kind in types.items():
            if name not in data:
                raise QClockError(f"sweep result is missing the field {name!r}")
            value = data[name]
            if isinstance(value, bool) or not isinstance(value, kind):
                raise QClockError(f"sweep result field {name!r} has the wrong type: {type(value).__name__}")
            values[name] = value
        expected = key_from_name(values["function"], values["point"], values["version"])
        if values["key"] != expected:
            raise QClockError(f"sweep result key {values['key']!r} does not match its function, point and "
                              f"version (expected {expected!r})")
        return cls(**values)


class SweepStore:
    """A directory of finished sweep points, one ``<key>.json`` file each.

    Parameters
    ----------
    directory : str or os.PathLike
        Created (with parents) if missing. Must not be an existing file.

    Examples
    --------
    >>> import tempfile
    >>> from qclock_circuits.runtime import SweepStore, run_sweep
    >>> from qclock_circuits.runtime.examples import monte_carlo_pi
    >>> store = SweepStore(tempfile.mkdtemp())
    >>> _ = run_sweep(monte_carlo_pi, [{"samples": 100, "seed": 1}], store=store, backend="serial")
    >>> len(store.keys())
    1
    """

    def __init__(self, directory: str | os.PathLike):
        if isinstance(directory, SweepStore):
            directory = directory.directory
        if not isinstance(directory, (str, os.PathLike)):
            raise TypeError(f"store must be a directory path (str or os.PathLike) or a SweepStore, got "
                            f"{directory!r} ({type(directory).__name__})")
        path = Path(directory)
        if path.exists() and not path.is_dir():
            raise QClockError(f"store must be a directory, but {str(path)!r} is an existing file")
        path.mkdir(parents=True, exist_ok=True)
        self.directory = path

    def __repr__(self) -> str:
        return f"SweepStore({str(self.directory)!r})"

    def path(self, key: str) -> Path:
        """File that holds (or will hold) the point with ``key``."""
        if not isinstance(key, str) or not _KEY_PATTERN.match(key):
            raise QClockError(f"key must be 64 lowercase hex digits (a point_key), got {key!r}")
        return self.directory / f"{key}.json"

    def load(self, key: str) -> SweepResult | None:
        """The stored result of ``key``, or None if it is missing or unreadable (corrupt, truncated)."""
        try:
            text = self.path(key).read_text(encoding="utf-8")
            result = SweepResult.from_dict(json.loads(text))
        except (OSError, ValueError, UnicodeDecodeError):  # QClockError and JSONDecodeError are ValueErrors
            return None
        return result if result.key == key else None

    def exists(self, key: str) -> bool:
        """True when a valid result for ``key`` is stored."""
        return self.load(key) is not None

    def save(self, result: SweepResult) -> Path:
        """Write ``result`` atomically as ``<key>.json``; return the path.

        The file is written to a temporary name in the same directory,
        flushed to disk and renamed over the final name, so readers (and a
        restarted job) never see a partial file.
        """
        if not isinstance(result, SweepResult):
            raise TypeError(f"result must be a SweepResult, got {type(result).__name__}")
        target = self.path(result.key)
        text = canonical_json(result.to_dict(), allow_nan=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{result.key[:16]}.", suffix=".tmp", dir=self.directory)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, target)
        except BaseException:
            try:
                os.unlink(temporary)
            except OSError:
                pass
            raise
        return target

    def keys(self) -> list[str]:
        """Sorted keys of the result files present (not checked for validity; see :meth:`exists`)."""
        return sorted(path.stem for path in self.directory.glob("*.json") if _KEY_PATTERN.match(path.stem))

    def results(self, function: Any = None) -> list[SweepResult]:
        """All valid stored results, oldest first (by ``finished``, then key).

        Parameters
        ----------
        function : callable or str, optional
            Keep only results of this sweep function (a callable or its qualified name).
        """
        name = None
        if function is not None:
            name = function if isinstance(function, str) else function_name(function)
        found = [result for result in map(self.load, self.keys()) if result is not None]
        if name is not None:
            found = [result for result in found if result.function == name]
        return sorted(found, key=lambda result: (result.finished, result.key))

    def __len__(self) -> int:
        return len(self.keys())
