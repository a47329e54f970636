"""Sphinx extension ``qclock_docstrings``: how the API reference reads the package's docstrings.

* Only the names in a module's ``__all__`` are documented (the public API that
  ``tests/test_docstrings.py`` checks), each once, in the module that defines it.
* Bras, kets and absolute values are written with plain ``|`` in the docstrings
  (``|↓⟩``, ``⟨x|``, ``|amplitude|²``); reST would read ``|...|`` as a
  substitution reference, so those bars are escaped before parsing.
"""

from __future__ import annotations

import re
import sys

__all__ = ["escape_bars", "protect_kets", "skip_unlisted", "setup"]


def skip_unlisted(app, what, name, obj, skip, options):
    """Skip a module-level function or class that its module leaves out of ``__all__``.

    The API reference then documents exactly the public API that
    ``tests/test_docstrings.py`` checks: the names in each module's ``__all__``.
    """
    # Module-level objects only (a method's qualified name is ``Class.method``).
    if what not in ("function", "class", "exception") or getattr(obj, "__qualname__", None) != name:
        return None
    module = sys.modules.get(getattr(obj, "__module__", "") or "")
    public = getattr(module, "__all__", None)
    if public is not None and name not in public:
        return True
    return None


_INLINE_LITERAL = re.compile(r"(``.*?``|:\w+:`[^`]*`|`[^`]*`_?)")


def escape_bars(text: str) -> str:
    """Backslash-escape ``|`` outside inline literals and roles (``|↓⟩`` is a ket, not a substitution)."""
    parts = _INLINE_LITERAL.split(text)
    return "".join(part if index % 2 else part.replace("|", "\\|") for index, part in enumerate(parts))


def protect_kets(app, what, name, obj, options, lines):
    """Let the docstrings write bras, kets and absolute values with plain ``|``.

    In reST, ``|↓⟩ ... ⟨↓|`` reads as a substitution reference. This escapes
    every ``|`` in running text. Left as they are: literal blocks (after
    ``::``), directives and their content (``.. math::``), tables and line
    blocks (lines starting with ``| ``, ``+-`` or ``+=``), inline literals and
    roles (``:math:`|x|```).
    """
    block_indent = None
    for index, line in enumerate(lines):
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if block_indent is not None:
            if not stripped or indent > block_indent:
                continue
            block_indent = None
        if stripped == "|" or stripped.startswith(("| ", "+-", "+=")):
            continue
        if stripped.startswith(".. "):     # a directive (e.g. ``.. math:: |x|``) and its content
            block_indent = indent
            continue
        lines[index] = escape_bars(line)
        if stripped.endswith("::"):
            block_indent = indent


def setup(app):
    """Connect the ``__all__`` filter and the ket protection of the API reference."""
    app.connect("autodoc-skip-member", skip_unlisted)
    app.connect("autodoc-process-docstring", protect_kets, priority=600)   # after numpydoc (500)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
