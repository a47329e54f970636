"""On-disk store of finished sweep points: one JSON file per point.

Layout: ``<directory>/<key>.json`` where ``key`` is :func:`~.keys.point_key`.
Each file holds one :class:`SweepResult` (format tag, key, function name,
version, point, result, timings and a SHA-256 checksum of the result). Files
are written atomically (:func:`write_atomic`: temporary file in the same
directory, ``fsync``, :func:`os.replace`), so a job killed at any moment
leaves either the complete file or none.

Every file is validated when it is loaded: it must be a regular file (not a
directory or a symbolic link), parse as JSON (not truncated, not nested
deeper than :data:`MAX_DEPTH`), hold the expected fields and types, match its
key and its checksum (a hand-edited number is caught), contain no NaN, and
pass the caller's own check (schema and ranges of the result). A file that
fails is named in a :class:`StoreWarning`, treated as missing and replaced
when the point is computed again; it is never reused and never fatal.

A directory that holds the results of one job can be claimed for it with
:func:`claim_directory`: a second, different job pointed at the same
directory is refused instead of mixing with (or overwriting) the first's
files. Nothing is pickled: a store can be read with any JSON reader.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import stat
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .._validation import QClockError
from .keys import canonical_json, function_name, key_from_name

__all__ = ["SweepResult", "SweepStore", "FORMAT", "StoreWarning", "MAX_DEPTH", "write_atomic", "read_json_file",
           "check_plain_data", "result_checksum", "claim_directory", "JOB_FILE"]

#: Format tag written into every result file (``/2``: with the result's checksum).
FORMAT = "qclock_circuits.runtime.sweep_point/2"
#: Deepest nesting of lists and dicts accepted in a stored file.
MAX_DEPTH = 64
#: Name of the file in which :func:`claim_directory` records the job that owns a directory.
JOB_FILE = "job.json"


class StoreWarning(UserWarning):
    """A stored file could not be used (it is named in the message) and its work is done again."""


def write_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` so that a reader sees the old file or the complete new one.

    The text goes to a uniquely named temporary file in the same directory,
    is flushed and ``fsync``-ed, then renamed over ``path``
    (:func:`os.replace`, atomic on POSIX and Windows); the directory entry is
    ``fsync``-ed where the platform allows. A killed process leaves at most a
    hidden ``.*.tmp`` file, never a truncated ``path``.

    Parameters
    ----------
    path : str or os.PathLike
        Target file; its directory must exist.
    text : str
        The file's content (written as UTF-8).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    OSError
        If the file cannot be written (e.g. ``path`` is an existing directory).
    """
    target = Path(path)
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if target.is_dir() and not target.is_symlink():
        raise IsADirectoryError(21, "Is a directory (cannot write a file there)", str(target))
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name[:40]}.", suffix=".tmp", dir=target.parent)
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
    try:  # make the rename itself durable
        directory = os.open(target.parent, os.O_RDONLY)
    except OSError:
        return target
    try:
        os.fsync(directory)
    except OSError:
        pass
    finally:
        os.close(directory)
    return target


def check_plain_data(value: Any, where: str = "value", *, allow_infinite: bool = True) -> None:
    """Check that ``value`` (as read from JSON) holds no NaN and is nested at most :data:`MAX_DEPTH` deep.

    Parameters
    ----------
    value : JSON data
        The data to check.
    where : str
        Name used in the message.
    allow_infinite : bool
        Accept ±inf (e.g. σ = ∞ for a measurement without information).

    Raises
    ------
    QClockError
        Naming the first offending entry.
    """
    stack = [(value, where, 0)]
    while stack:
        item, name, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise QClockError(f"{name} is nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, float):
            if math.isnan(item) or (not allow_infinite and math.isinf(item)):
                raise QClockError(f"{name} is {item} (only {'numbers' if allow_infinite else 'finite numbers'} "
                                  "are allowed)")
        elif isinstance(item, dict):
            stack.extend((sub, f"{name}[{key!r}]", depth + 1) for key, sub in item.items())
        elif isinstance(item, list):
            stack.extend((sub, f"{name}[{index}]", depth + 1) for index, sub in enumerate(item))


def result_checksum(result: Any) -> str:
    """SHA-256 (hex) of the canonical JSON of ``result`` (NaN/inf written as ``NaN``/``Infinity``).

    Parameters
    ----------
    result : JSON-able data
        A sweep function's result.

    Returns
    -------
    str
        64 lowercase hex digits.
    """
    return hashlib.sha256(canonical_json(result, allow_nan=True).encode("utf-8")).hexdigest()


def read_json_file(path: str | os.PathLike) -> Any:
    """Parse a stored JSON file after checking that it is a regular file (not a directory or a symlink).

    Parameters
    ----------
    path : str or os.PathLike
        The file.

    Returns
    -------
    object
        The parsed JSON data.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    QClockError
        If it is not a regular file, is not UTF-8 JSON (truncated, empty) or is nested
        deeper than :data:`MAX_DEPTH`; the message says which (not the path: callers name it).
    """
    path = Path(path)
    info = os.lstat(path)  # FileNotFoundError passes through: a missing file is not an error
    if stat.S_ISLNK(info.st_mode):
        raise QClockError("is a symbolic link (stored results must be regular files)")
    if stat.S_ISDIR(info.st_mode):
        raise QClockError("is a directory, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise QClockError("is not a regular file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise QClockError(f"is not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise QClockError(f"cannot be read ({error.strerror or error})") from None
    if not text.strip():
        raise QClockError("is empty")
    try:
        data = json.loads(text)
    except RecursionError:
        raise QClockError(f"is nested too deeply (more than {MAX_DEPTH} levels)") from None
    except ValueError as error:
        raise QClockError(f"is not valid JSON (truncated or edited?): {error}") from None
    try:
        check_plain_data(data, "entry")
    except QClockError as error:
        raise QClockError(f"holds a value that is not allowed: {error}") from None
    return data

_KEY_PATTERN = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class SweepResult:
    """One finished sweep point.

    Parameters
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
    checksum : str
        :func:`result_checksum` of ``result``; filled in when empty.
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
    checksum: str = ""

    def __post_init__(self):
        if not self.checksum:
            self.checksum = result_checksum(self.result)

    def to_dict(self) -> dict:
        """Plain-data form (what the store writes), with the format tag.

        Returns
        -------
        dict
            The fields above plus ``"format"``; JSON data.
        """
        data = {"format": FORMAT}
        data.update({item.name: getattr(self, item.name) for item in fields(self)})
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "SweepResult":
        """Inverse of :meth:`to_dict`; checks the format tag, field types and that the key matches.

        Parameters
        ----------
        data : dict
            A record as written by :meth:`to_dict`.

        Returns
        -------
        SweepResult
            The record.

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
                 "worker": str, "checksum": str}
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
        if values["checksum"] != result_checksum(values["result"]):
            raise QClockError("sweep result does not match its checksum (the file was edited or damaged)")
        return cls(**values)


class SweepStore:
    """A directory of finished sweep points, one ``<key>.json`` file each.

    Parameters
    ----------
    directory : str or os.PathLike
        Created (with parents) if missing. Must not be an existing file.

    Raises
    ------
    TypeError
        If ``directory`` is not a str or os.PathLike.
    QClockError
        If ``directory`` is an existing file.

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
        """File that holds (or will hold) the point with ``key``.

        Parameters
        ----------
        key : str
            A :func:`~.keys.point_key` (64 lowercase hex digits).

        Returns
        -------
        pathlib.Path
            ``<directory>/<key>.json``.

        Raises
        ------
        QClockError
            If ``key`` is not 64 lowercase hex digits.
        """
        if not isinstance(key, str) or not _KEY_PATTERN.match(key):
            raise QClockError(f"key must be 64 lowercase hex digits (a point_key), got {key!r}")
        return self.directory / f"{key}.json"

    def problem(self, key: str, check: Callable[[dict], Any] | None = None) -> tuple[SweepResult | None, str | None]:
        """Look up ``key`` and say why its file cannot be used, if it cannot; never raises for a bad file.

        Parameters
        ----------
        key : str
            A :func:`~.keys.point_key`.
        check : callable, optional
            ``check(result_dict)`` raises (ValueError, TypeError, KeyError)
            when a stored result is not acceptable.

        Returns
        -------
        result : SweepResult or None
            The stored result when it is valid, else None.
        reason : str or None
            None when the result is valid or no file is stored; otherwise why
            the file there cannot be used (see the module docstring).
        """
        path = self.path(key)
        try:
            data = read_json_file(path)
        except FileNotFoundError:
            return None, None
        except (OSError, QClockError) as error:
            return None, str(error)
        try:
            result = SweepResult.from_dict(data)
            if result.key != key:
                raise QClockError(f"holds the result of another key ({result.key})")
            if check is not None:
                check(result.result)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError) as error:
            reason = str(error) if not isinstance(error, KeyError) else f"misses the entry {error}"
            return None, f"is not a valid result ({reason})"
        return result, None

    def load(self, key: str, check: Callable[[dict], Any] | None = None) -> SweepResult | None:
        """The stored result of ``key``, or None if it is missing or cannot be used.

        Parameters
        ----------
        key : str
            A :func:`~.keys.point_key` (64 lowercase hex digits).
        check : callable, optional
            ``check(result_dict)``: raises (ValueError, TypeError, KeyError) when the
            result's content is not acceptable (schema, ranges); the file is then unusable.

        Returns
        -------
        SweepResult or None
            None for a missing file, and for a file that fails validation; the latter is
            named in a :class:`StoreWarning` (the caller recomputes the point and
            :meth:`save` replaces the file).
        """
        result, reason = self.problem(key, check)
        if reason is not None:
            warnings.warn(StoreWarning(f"ignoring the stored result {self.path(key)}: it {reason}; the point is "
                                       "computed again and the file replaced"), stacklevel=2)
        return result

    def exists(self, key: str) -> bool:
        """True when a valid result for ``key`` is stored (no warning for a bad file).

        Parameters
        ----------
        key : str
            A :func:`~.keys.point_key`.

        Returns
        -------
        bool
            Whether a valid result file is present.
        """
        return self.problem(key)[0] is not None

    def save(self, result: SweepResult) -> Path:
        """Write ``result`` atomically as ``<key>.json``; return the path.

        The file is written to a temporary name in the same directory,
        flushed to disk and renamed over the final name, so readers (and a
        restarted job) never see a partial file.

        Parameters
        ----------
        result : SweepResult
            The finished point.

        Returns
        -------
        pathlib.Path
            The file written.

        Raises
        ------
        TypeError
            If ``result`` is not a :class:`SweepResult`.
        """
        if not isinstance(result, SweepResult):
            raise TypeError(f"result must be a SweepResult, got {type(result).__name__}")
        target = self.path(result.key)
        text = canonical_json(result.to_dict(), allow_nan=True)
        if os.path.lexists(target) and not (target.is_file() and not target.is_symlink()):
            _move_aside(target)  # a directory, link or device in the way: keep it, under another name
        return write_atomic(target, text)

    def keys(self) -> list[str]:
        """Sorted keys of the result files present (not checked for validity; see :meth:`exists`).

        Returns
        -------
        list of str
            The keys, sorted.
        """
        return sorted(path.stem for path in self.directory.glob("*.json") if _KEY_PATTERN.match(path.stem))

    def results(self, function: Any = None) -> list[SweepResult]:
        """All valid stored results, oldest first (by ``finished``, then key).

        Parameters
        ----------
        function : callable or str, optional
            Keep only results of this sweep function (a callable or its qualified name).

        Returns
        -------
        list of SweepResult
            The valid results; bad files are skipped.
        """
        name = None
        if function is not None:
            name = function if isinstance(function, str) else function_name(function)
        found = [result for result in (self.problem(key)[0] for key in self.keys()) if result is not None]
        if name is not None:
            found = [result for result in found if result.function == name]
        return sorted(found, key=lambda result: (result.finished, result.key))

    def __len__(self) -> int:
        return len(self.keys())


def _move_aside(path: Path) -> Path:
    """Rename ``path`` to ``<name>.bad-<n>`` (first free n) and return the new name."""
    for index in range(1, 10_000):
        aside = path.with_name(f"{path.name}.bad-{index}")
        if not os.path.lexists(aside):
            os.replace(path, aside)
            warnings.warn(StoreWarning(f"{path} was not a regular file; moved aside to {aside}"), stacklevel=3)
            return aside
    raise QClockError(f"cannot move {path} aside: too many earlier copies")


def claim_directory(directory: str | os.PathLike, job: dict, *, what: str = "job") -> Path:
    """Reserve ``directory`` for one job, or refuse it if it holds another job's results.

    The first call writes ``<directory>/job.json`` (:data:`JOB_FILE`) with the
    job's full parameters (canonical JSON). A later call with the same
    parameters resumes; with different ones it raises, naming the parameters
    that differ, so that a second job never alters the first's files. An
    unreadable ``job.json`` is named in a :class:`StoreWarning` and rewritten
    (the result files themselves are keyed by the full parameters and
    validated one by one).

    Parameters
    ----------
    directory : str or os.PathLike
        Created (with parents) if missing; must not be an existing file.
    job : dict
        JSON-serialisable, finite parameters that define the job's results.
    what : str
        Name of the job in messages (e.g. ``"qclock simulate"``).

    Returns
    -------
    pathlib.Path
        The directory.

    Raises
    ------
    QClockError
        If ``directory`` is a file, or holds the results of a job with other parameters.
    """
    path = Path(directory)
    if os.path.lexists(path) and not path.is_dir():
        raise QClockError(f"the output directory {str(path)!r} is an existing file; give a directory")
    try:
        canonical = json.loads(canonical_json(job))
    except (TypeError, ValueError) as error:
        raise QClockError(f"job parameters must be finite JSON data: {error}") from None
    path.mkdir(parents=True, exist_ok=True)
    manifest = path / JOB_FILE
    record = {"format": "qclock_circuits.runtime.job/1", "what": what, "job": canonical}
    try:
        data = read_json_file(manifest)
        if not isinstance(data, dict) or not isinstance(data.get("job"), dict) or "what" not in data:
            raise QClockError("does not hold a job record")
    except FileNotFoundError:
        data = None
    except QClockError as error:
        warnings.warn(StoreWarning(f"ignoring {manifest}: it {error}; it is written again for this job"),
                      stacklevel=2)
        data = None
    if data is not None:
        if data["what"] == what and data["job"] == canonical:
            return path
        previous = data["job"]
        differences = [name for name in sorted(set(previous) | set(canonical))
                       if previous.get(name) != canonical.get(name)]
        shown = ", ".join(f"{name}: {previous.get(name)!r} there, {canonical.get(name)!r} now"
                          for name in differences[:4])
        if data["what"] != what:
            shown = f"it was written by {data['what']!r}, not {what!r}"
        raise QClockError(f"the output directory {str(path)!r} holds the results of another job ({shown}); its files "
                          "are kept: give another directory, or the same parameters to resume that job")
    write_atomic(manifest, json.dumps(record, indent=1, sort_keys=True))
    return path
