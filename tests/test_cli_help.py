"""``qclock --help`` and every ``qclock <command> --help`` load no heavy library (the speed is in benchmarks/)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from qclock_circuits.cli.main import COMMANDS

ROOT = Path(__file__).resolve().parent.parent
#: Libraries that take seconds to import; none may be loaded to print a help text.
HEAVY = ("numba", "scipy.stats", "scipy.optimize", "qiskit", "qiskit_aer", "qutip", "cvxpy", "networkx", "matplotlib")

_PROBE = """
import contextlib, io, json, sys
from qclock_circuits.cli.main import main
codes = {}
for argv in ARGVS:
    with contextlib.redirect_stdout(io.StringIO()) as out:
        codes[" ".join(argv)] = (main(argv), len(out.getvalue()))
print(json.dumps({"codes": codes, "loaded": sorted(m for m in HEAVY if m in sys.modules)}))
"""


def _names() -> list[str]:
    return [name.rsplit(".", 1)[1].removesuffix("_cmd") for name in COMMANDS]


def test_help_texts_load_no_heavy_library():
    argvs = [["--help"]] + [[name, "--help"] for name in _names()] + [["protocol", "show", "--help"],
                                                                       ["protocol", "circuit", "--help"]]
    code = f"ARGVS = {argvs!r}\nHEAVY = {HEAVY!r}\n" + _PROBE
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["loaded"] == [], f"--help imported {report['loaded']}"
    for argv, (status, length) in report["codes"].items():
        assert status == 0 and length > 200, (argv, status, length)
