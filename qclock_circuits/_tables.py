"""CSV tables a lab hands in (laser Allan deviations and spectra, frequency traces, Ramsey counts).

One reader for every layer: a header row, ``#`` comment lines, blank lines
skipped, and one-line errors that name the file, the line and the column.
"""

from __future__ import annotations

import csv
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
    header, rows = read_csv_rows(path, required)

    def locate(name):
        for spelling in (name, *aliases.get(name, ())):
            if spelling.lower() in header:
                return header.index(spelling.lower())
        return None

    columns = {}
    for name in (*required, *optional):
        index = locate(name)
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


