"""Progress of long jobs: tqdm bar on a terminal, a plain line every ~10 % elsewhere, none with --quiet."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qclock_circuits._progress import ProgressReporter, progress_callback

ROOT = Path(__file__).resolve().parent.parent


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_lines_every_tenth_when_not_a_terminal():
    stream = io.StringIO()
    with ProgressReporter(200, "job", "points", stream=stream) as report:
        for done in range(201):
            report(done)
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue()
    assert len(lines) == 11  # 0 %, 10 %, ..., 100 %
    assert [line.split()[1] for line in lines] == [f"{10 * k}%" for k in range(11)]
    assert lines[-1].startswith("job: 100% 200/200 [") and "points/s]" in lines[-1]


def test_bar_with_eta_on_a_terminal():
    stream = _Terminal()
    report = ProgressReporter(50, "job", "cycles", stream=stream)
    report(10)
    report(50)
    report.close()
    text = stream.getvalue()
    assert "\r" in text and "50/50" in text and "|" in text and "cycles/s" in text


def test_progress_argument_of_the_api():
    assert progress_callback(False, 10)[0] is None and progress_callback(None, 10)[0] is None
    seen = []
    callback, close = progress_callback(lambda done, total: seen.append((done, total)), 10)
    callback(3, 10)
    close()
    assert seen == [(3, 10)]
    assert isinstance(progress_callback(True, 10)[0], ProgressReporter)
    with pytest.raises(TypeError, match="progress must be True, False, None or a callable"):
        progress_callback("yes", 10)


def test_simulate_clock_progress_true_and_callable(capsys):
    from qclock_circuits import protocols
    from qclock_circuits.clock import simulate_clock

    options = dict(interrogation_time=0.1, cycles=3000, seed=1, block_size=1000)
    seen = []
    quiet = simulate_clock(protocols.css(3), progress=lambda done, total: seen.append((done, total)), **options)
    assert seen == [(1000, 3000), (2000, 3000), (3000, 3000)]
    shown = simulate_clock(protocols.css(3), progress=True, **options)
    err = capsys.readouterr().err
    assert "simulate_clock: 100% 3000/3000" in err and "\r" not in err
    assert shown.sigma_scaled == quiet.sigma_scaled  # progress does not change the numbers


def test_network_loop_progress_callable():
    from qclock_circuits.network import load_topology, simulate_network_clock

    seen = []
    simulate_network_clock(load_topology(ROOT / "networks" / "star-4.graphml"), 0.01, 500, seed=1, block_size=200,
                           progress=lambda done, total: seen.append((done, total)))
    assert seen == [(200, 500), (400, 500), (500, 500)]


def _qclock(*argv):
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "qclock_circuits", *argv], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=300)


def test_design_prints_progress_lines_when_stderr_is_not_a_terminal(tmp_path):
    argv = ["design", "--atoms", "2", "--classes", "css", "--interrogation-times", "0.05,0.1,0.2", "--serial"]
    shown = _qclock(*argv, "--out", str(tmp_path / "a"))
    assert shown.returncode == 0, shown.stderr
    lines = shown.stderr.splitlines()
    assert lines and all(line.startswith("design: theory:") for line in lines)
    assert lines[-1].startswith("design: theory: 100%") and "\r" not in shown.stderr
    quiet = _qclock(*argv, "--out", str(tmp_path / "b"), "--quiet")
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert quiet.stdout.replace(str(tmp_path / "b"), "OUT") == shown.stdout.replace(str(tmp_path / "a"), "OUT")


def test_adaptive_and_network_show_progress_and_quiet_hides_it(capsys):
    from qclock_circuits.cli.main import main

    adaptive = ["adaptive", "--atoms", "1", "--noise", "brownian", "--noise-strength", "0.03", "--interrogations",
                "25", "--runs", "2"]
    assert main(adaptive) == 0
    out, err = capsys.readouterr()
    assert err.splitlines()[-1].startswith("adaptive: 100% 6/6")
    assert main([*adaptive, "--quiet"]) == 0
    assert capsys.readouterr() == (out, "")
    network = ["network", "--topology", str(ROOT / "networks" / "star-4.graphml"), "--shots", "0", "--simulate",
               "--interrogation-time", "0.01", "--cycles", "300"]
    assert main(network) == 0
    out, err = capsys.readouterr()
    assert err.splitlines()[-1].startswith("network clock: 100% 300/300")
    assert main([*network, "-q"]) == 0
    assert capsys.readouterr() == (out, "")
