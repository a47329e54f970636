"""CSV tables a lab hands in (laser Allan deviations and spectra, frequency traces, Ramsey counts).

One reader for every layer: a header row, ``#`` comment lines, blank lines
skipped, and one-line errors that name the file, the line and the column.
Numeric columns go through NumPy's C parser (a million rows in about a
second); a file it rejects is read again cell by cell to word the error.
"""

from __future__ import annotations

import csv
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from ._validation import QClockError

__all__ = ["read_csv_rows", "read_csv_columns"]


def read_csv_rows(path, required: Sequence[str] = ()) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header (lower-case, stripped) and the data rows ``(line number, cells)`` of a CSV file.

    Parameters
    ----------
    path : str or Path
        The file.
    required : sequence of str
        Column names, only to word the error for an empty file.

    Returns
    -------
    (list of str, list of (int, list of str))
        Header cells and the data rows with their line numbers in the file.

    Raises
    ------
    QClockError
        A missing, unreadable or empty file.
    """
    path = Path(path)
    try:
        with path.open(newline="") as handle:
            rows = [(number, row) for number, row in enumerate(csv.reader(handle), start=1)
                    if row and any(cell.strip() for cell in row) and not row[0].lstrip().startswith("#")]
    except FileNotFoundError:
        raise QClockError(f"file not found: {path}") from None
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise QClockError(f"cannot read {path}: {error}") from None
    if not rows:
        raise QClockError(f"{path}: empty file (expected a header row with columns {', '.join(required)})")
    return [cell.strip().lower() for cell in rows[0][1]], rows[1:]


def read_csv_columns(path, required: Sequence[str], optional: Sequence[str] = (),
                     aliases: Mapping[str, Sequence[str]] | None = None) -> dict[str, np.ndarray]:
    """Numeric columns of a CSV file with a header row (lines starting with ``#`` are comments).

    Parameters
    ----------
    path : str or Path
        The file.
    required : sequence of str
        Column names that must be present.
    optional : sequence of str
        Column names read when present.
    aliases : mapping, optional
        ``{name: other accepted header spellings}`` (matched case-insensitively).

    Returns
    -------
    dict
        ``{name: float array}`` for every required and present optional column.

    Raises
    ------
    QClockError
        A missing file or column, an empty file, or a cell that is not a number
        (naming the file, the line and the column).
    """
    aliases = dict(aliases or {})
    fast = _read_numeric_fast(path, required, optional, aliases)
    if fast is not None:
        return fast
    header, rows = read_csv_rows(path, required)  # the slow path finds and words the error

    columns = {}
    for name in (*required, *optional):
        index = _locate(header, name, aliases)
        if index is None:
            if name in required:
                raise QClockError(f"{path}: missing column {name!r} (header has {', '.join(header) or 'nothing'}; "
                                  f"required: {', '.join(required)})")
            continue
        values = []
        for number, row in rows:
            cell = row[index].strip() if index < len(row) else ""
            try:
                values.append(float(cell))
            except ValueError:
                raise QClockError(f"{path}, line {number}: column {name!r} must be a number, got {cell!r}") from None
        columns[name] = np.asarray(values, dtype=float)
    return columns




def _locate(header: list[str], name: str, aliases: Mapping[str, Sequence[str]]) -> int | None:
    for spelling in (name, *aliases.get(name, ())):
        if spelling.lower() in header:
            return header.index(spelling.lower())
    return None


def _read_numeric_fast(path, required, optional, aliases) -> dict[str, np.ndarray] | None:
    """The columns by NumPy's C parser (10^6 rows in about a second); None when anything is unusual."""
    try:
        with Path(path).open(newline="") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip() and not line.lstrip().startswith("#"):
                    header = [cell.strip().lower() for cell in next(csv.reader([line]))]
                    break
            else:
                return None
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    wanted = {name: _locate(header, name, aliases) for name in (*required, *optional)}
    if any(wanted[name] is None for name in required):
        return None
    present = {name: index for name, index in wanted.items() if index is not None}
    if not present:
        return {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a header without data rows: an empty table, reported by the caller
            table = np.loadtxt(path, delimiter=",", comments="#", skiprows=number, usecols=tuple(present.values()),
                               ndmin=2, dtype=float, encoding="utf-8")
    except (ValueError, OSError, UnicodeDecodeError):
        return None
    return {name: np.ascontiguousarray(table[:, k]) for k, name in enumerate(present)}
