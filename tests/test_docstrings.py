"""Docstring coverage of the public API: every public name documented in NumPy style.

For every module of the package whose name has no leading underscore, every
function and class in its ``__all__`` that the module defines, and every public
method of those classes, must have a docstring that numpydoc's validator finds
complete: a summary (GL08), every parameter documented and no unknown ones
(PR01, PR02), and a Returns or Yields section where the callable returns a
value (RT01). Properties and dunder methods are exempt.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import qclock_circuits

numpydoc_validate = pytest.importorskip("numpydoc.validate")

#: The numpydoc checks this test enforces (numpydoc's error codes).
CHECKS = ("GL08", "PR01", "PR02", "RT01")

def _public_modules():
    names = []
    for info in pkgutil.walk_packages(qclock_circuits.__path__, "qclock_circuits."):
        if any(part.startswith("_") for part in info.name.split(".")[1:]):
            continue
        names.append(info.name)
    return sorted(names)


def _returns_nothing(func) -> bool:
    """True for callables annotated ``-> None`` (no Returns section needed)."""
    try:
        annotation = inspect.signature(func).return_annotation
    except (TypeError, ValueError):
        return False
    return annotation in (None, "None", type(None))


def _public_objects(module_name: str):
    module = importlib.import_module(module_name)
    for name in getattr(module, "__all__", ()):
        obj = getattr(module, name, None)
        if not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        if getattr(obj, "__module__", None) != module_name:
            continue   # re-exported: checked where it is defined
        yield f"{module_name}.{name}", obj
        if inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if attr.startswith("_") or isinstance(member, property):
                    continue
                if isinstance(member, (staticmethod, classmethod)):
                    member = member.__func__
                if inspect.isfunction(member):
                    yield f"{module_name}.{name}.{attr}", member


def _problems(qualified: str, obj) -> list[str]:
    result = numpydoc_validate.validate(qualified)
    found = []
    for code, message in result["errors"]:
        if code not in CHECKS:
            continue
        if code == "RT01" and (inspect.isclass(obj) or _returns_nothing(obj)):
            continue
        found.append(f"{qualified}: {code} {message}")
    return found


@pytest.mark.parametrize("module_name", _public_modules())
def test_public_names_have_numpydoc_parameters_and_returns(module_name):
    problems = []
    for qualified, obj in _public_objects(module_name):
        problems += _problems(qualified, obj)
    assert not problems, f"{len(problems)} docstring problems:\n" + "\n".join(problems)
