"""The cascade's modules: one job each, layered, and every public name still where it was.

``network.cascade`` and ``network.cascade_budget`` are built from smaller modules
(allocation, one level, digits, exact errors; closed forms, error budget, stability,
pre-narrowing). These tests pin the contract of that layout: every name the two
modules exported before is still importable from them and is the very object its
defining module exports; each part defines what it exports (so the API pages document
every object once); the parts import only from below them, never from the two modules
that re-export them, with no cycle; and no module is long again.
"""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import qclock_circuits.network as network

NETWORK = Path(network.__file__).parent

#: The parts in import order: each may import only the parts before it.
CASCADE_PARTS = ("cascade_level", "cascade_allocation", "cascade_digits", "cascade_errors")
BUDGET_PARTS = ("cascade_closed_forms", "prenarrowing", "cascade_stability", "error_budget")
ORDER = CASCADE_PARTS + BUDGET_PARTS
#: Names each module exported before the split (its ``__all__`` then).
EXPORTED_BEFORE = {
    "cascade": {"CascadeAllocation", "CascadeSimulation", "node_shares_for", "wrap_phase", "parity_probabilities",
                "sample_parities", "estimate_level_phase", "combine_levels", "phase_digits", "digits_from_levels",
                "phase_from_digits", "network_phase_measurement", "simulate_cascade", "exact_level_variance",
                "exact_rounding_probability", "level0_rounding_moments"},
    "cascade_budget": {"CascadeBudget", "cascade_error_budget", "projection_variance", "rounding_probability",
                       "slip_probability", "level0_factor", "paper_phase_variance", "paper_rounding_variance",
                       "closed_form_copies", "minimum_phase_variance", "required_uncorrelated", "optimal_copies",
                       "allan_variance_from_phase", "optimal_interrogation_time", "cascade_allan_variance",
                       "prenarrowed_linewidth", "optimal_narrowing_step", "minimum_prenarrowed_linewidth",
                       "prenarrowing_qubits", "STRATEGIES", "network_stability", "level_contrasts",
                       "loop_error_budget", "loop_optimal_allocation"},
}
#: Layers above ``network`` (ARCHITECTURE.md): a network module never imports them.
HIGHER_LAYERS = ("experiments", "runtime", "cli", "plot", "report")


def _module(name: str):
    return importlib.import_module(f"qclock_circuits.network.{name}")


def _imported_modules(name: str) -> set[str]:
    """Every module that ``network/<name>.py`` imports, at module level or inside a function."""
    tree = ast.parse((NETWORK / f"{name}.py").read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                found.add("qclock_circuits.network" + (f".{node.module}" if node.module else ""))
            else:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("home", sorted(EXPORTED_BEFORE))
def test_every_name_stays_importable_from_its_old_module(home):
    module = _module(home)
    assert set(module.__all__) == EXPORTED_BEFORE[home]
    parts = CASCADE_PARTS + BUDGET_PARTS + (home,)
    for name in module.__all__:
        obj = getattr(module, name)
        if name == "STRATEGIES":
            defining = _module("cascade_stability")
        else:
            defining = importlib.import_module(obj.__module__)
        assert defining.__name__.rsplit(".", 1)[-1] in parts, (name, defining.__name__)
        assert name in defining.__all__, (name, defining.__name__)
        assert getattr(defining, name) is obj


@pytest.mark.parametrize("part", CASCADE_PARTS + BUDGET_PARTS)
def test_each_part_defines_what_it_exports(part):
    module = _module(part)
    assert module.__all__, part
    for name in module.__all__:
        assert not name.startswith("_")
        obj = getattr(module, name)
        if callable(obj):
            assert obj.__module__ == module.__name__, (part, name, obj.__module__)
    assert module.__doc__ and "Kómár et al." in module.__doc__


@pytest.mark.parametrize("index", range(len(ORDER)), ids=lambda index: ORDER[index])
def test_parts_import_only_from_below(index):
    part = ORDER[index]
    for target in _imported_modules(part):
        if not target.startswith("qclock_circuits."):
            continue
        layer = target.split(".")[1]
        assert layer not in HIGHER_LAYERS, (part, target)
        if layer == "network":
            sibling = target.split(".")[2]
            assert sibling in ORDER[:index], f"network/{part}.py imports network.{sibling}, which is not below it"


@pytest.mark.parametrize("name", ("cascade", "cascade_budget") + CASCADE_PARTS + BUDGET_PARTS)
def test_no_module_is_long_again(name):
    lines = (NETWORK / f"{name}.py").read_text(encoding="utf-8").count("\n")
    assert lines <= 800, f"network/{name}.py has {lines} lines"


def test_moved_functions_keep_their_numbers():
    """Spot values through the old import paths (closed forms of Kómár et al., Nature Physics 10, 582 (2014))."""
    from qclock_circuits.network.cascade import CascadeAllocation, combine_levels, wrap_phase
    from qclock_circuits.network.cascade_budget import minimum_phase_variance, optimal_narrowing_step

    assert wrap_phase(3.5) == pytest.approx(3.5 - 2 * 3.141592653589793)
    assert minimum_phase_variance(1000, 4) == pytest.approx((8 / 3.141592653589793) ** 2 * 5.521460917862246 / 1e6)
    assert optimal_narrowing_step(1.0, 100.0) == pytest.approx(2 * 2.718281828459045 / 9.869604401089358
                                                               * 4.605170185988092)
    allocation = CascadeAllocation.uniform(3, 2, 4, 5)
    assert allocation.total_qubits == 3 * 5 + 4 * 3 + 4 * 6
    # a level of GHZ size 3 refines the coarse 0.1 rad to θ̂/3 on the branch nearest to it (eq. A10)
    assert float(combine_levels(0.1, [3 * 0.12 + 2 * 3.141592653589793], 3)) == pytest.approx(0.12)
