"""Progress of long jobs through tqdm: a bar with ETA on a terminal, a plain line every ~10 % elsewhere.

Every long job of the package reports ``progress(done, total)`` (absolute
counts) to a callback. :func:`progress_callback` turns the ``progress``
argument of a public function into that callback:

* ``False`` or ``None`` — no progress (the default of the Python API);
* ``True`` — a :class:`ProgressReporter` on stderr;
* a callable — called as ``progress(done, total)`` (plus the stage name where
  the function documents one).

On a terminal the reporter is a tqdm bar with rate and ETA, redrawn in place.
When the stream is not a terminal (a CI log, a file, a pipe) it writes one
plain line, with the same tqdm meter text (percentage, counts, elapsed time,
ETA), each time another tenth of the job is done, and at the end — never
carriage returns.

tqdm is imported only when a reporter is made, so that ``qclock --help`` and
``import qclock_circuits`` stay fast.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

__all__ = ["ProgressReporter", "progress_callback", "LINE_FRACTION"]

#: With a non-terminal stream, a line is written each time this fraction of the job is done.
LINE_FRACTION = 0.1


class ProgressReporter:
    """One job's progress: a tqdm bar on a terminal, plain lines every :data:`LINE_FRACTION` elsewhere.

    Parameters
    ----------
    total : int
        Units of work of the job (> 0; smaller values are raised to 1).
    desc : str, optional
        Label printed before the meter (e.g. ``'simulate'``).
    unit : str, optional
        Name of one unit of work (``'cycles'``, ``'points'``, ``'runs'``).
    stream : file-like, optional
        Where to write (default: ``sys.stderr``).
    terminal : bool, optional
        Force the terminal (bar) or the line mode; default: ``stream.isatty()``.

    Notes
    -----
    Call the reporter as ``reporter(done, total=None)`` with the absolute number
    of units done (a ``progress`` callback), then :meth:`close` it (or use it
    as a context manager).
    """

    def __init__(self, total: int, desc: str = "", unit: str = "it", stream=None, terminal: bool | None = None):
        self.total = max(int(total), 1)
        self.desc = desc
        self.unit = unit
        self.stream = sys.stderr if stream is None else stream
        if terminal is None:
            isatty = getattr(self.stream, "isatty", None)
            terminal = bool(isatty()) if callable(isatty) else False
        self.terminal = terminal
        self.done = 0
        self._start = time.perf_counter()
        self._next_line = 0.0
        self._closed = False
        self._bar = None
        if terminal:
            from tqdm import tqdm

            self._bar = tqdm(total=self.total, desc=desc, unit=unit, file=self.stream, dynamic_ncols=True,
                             leave=True, mininterval=0.2)

    def __call__(self, done: int, total: int | None = None, *_stage) -> None:
        """Report ``done`` units out of ``total`` (default: the total given at creation)."""
        if self._closed:
            return
        if total is not None and int(total) != self.total and int(total) > 0:
            self.total = int(total)
            if self._bar is not None:
                self._bar.total = self.total
        done = min(max(int(done), 0), self.total)
        if self._bar is not None:
            if done != self._bar.n:
                self._bar.update(done - self._bar.n)
        elif done / self.total >= self._next_line:
            self._write_line(done)
            while self._next_line <= done / self.total:
                self._next_line += LINE_FRACTION
        self.done = done

    def _write_line(self, done: int) -> None:
        from tqdm import tqdm

        meter = tqdm.format_meter(done, self.total, time.perf_counter() - self._start, prefix=self.desc,
                                  unit=self.unit, ncols=0)
        self.stream.write(meter.strip() + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End the display (close the terminal bar; the line mode has nothing to finish). Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._bar is not None:
            self._bar.close()

    def __enter__(self) -> ProgressReporter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def progress_callback(progress, total: int, desc: str = "", unit: str = "it") -> tuple[Callable | None, Callable]:
    """The callback and the closing function for a public function's ``progress`` argument.

    Parameters
    ----------
    progress : bool, None or callable
        ``False``/``None``: no progress; ``True``: a :class:`ProgressReporter`
        on stderr; a callable: used as it is.
    total : int
        Units of work, for a reporter made here.
    desc, unit : str, optional
        Label and unit name of a reporter made here.

    Returns
    -------
    callback : callable or None
        ``callback(done, total, ...)``, or None for no progress.
    close : callable
        Ends a reporter made here (does nothing otherwise).

    Raises
    ------
    TypeError
        ``progress`` is none of the above.
    """
    if progress is None or progress is False:
        return None, lambda: None
    if progress is True:
        reporter = ProgressReporter(total, desc, unit)
        return reporter, reporter.close
    if callable(progress):
        return progress, lambda: None
    raise TypeError(f"progress must be True, False, None or a callable progress(done, total), got {progress!r}")
