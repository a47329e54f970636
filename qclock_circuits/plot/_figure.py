"""Shared plumbing of the plot functions: a new or given Axes, and saving on request."""

from __future__ import annotations

import os
from pathlib import Path


def new_axes(ax, figsize: tuple[float, float], name: str = "ax"):
    """``(figure, ax)``: a fresh constrained-layout figure with one Axes, or the figure of ``ax``."""
    if ax is None:
        from matplotlib.figure import Figure

        figure = Figure(figsize=figsize, layout="constrained")
        return figure, figure.add_subplot()
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise TypeError(f"{name} must be a matplotlib Axes or None, got {type(ax).__name__}")
    return ax.get_figure(root=True), ax


def finish(figure, path: str | os.PathLike | None, dpi: int = 120):
    """Save ``figure`` to ``path`` (format from the suffix) when a path is given; return the figure."""
    if path is not None:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a str, os.PathLike or None, got {type(path).__name__}")
        target = Path(path)
        if not target.parent.is_dir():
            raise FileNotFoundError(f"path {str(target)!r}: folder {str(target.parent)!r} does not exist")
        figure.savefig(target, dpi=dpi)
    return figure
