"""Fault injection: jobs killed with SIGKILL resume without recomputing what finished, another job never alters
a directory's files, and damaged result files are named, recomputed and never reach a result or a report."""

import json
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

from qclock_circuits.cli.main import main
from qclock_circuits.runtime import StoreWarning, SweepStore, run_sweep
from qclock_circuits.runtime.examples import slow_square
from qclock_circuits.runtime.keys import point_key

ROOT = Path(__file__).resolve().parent.parent
STAR = str(ROOT / "networks" / "star-4.graphml")


def _results(directory: Path) -> dict:
    """Stored result files (64-hex names): name -> (bytes, mtime_ns)."""
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in directory.glob("*.json") if len(p.stem) == 64}


def _kill_mid_run(argv, store: Path, total: int, timeout: float = 120.0) -> dict:
    """Start ``qclock argv`` and SIGKILL it once at least one of ``total`` results is stored; return those."""
    environment = dict(os.environ, PYTHONPATH=str(ROOT))
    process = subprocess.Popen([sys.executable, "-m", "qclock_circuits", *argv], env=environment,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if store.is_dir() and _results(store):
                break
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    finished = _results(store)
    assert 1 <= len(finished) < total, f"killed with {len(finished)} of {total} results stored"
    return finished


def _json(argv, capsys) -> dict:
    assert main([*argv, "--json"]) in (0, 1)
    return json.loads(capsys.readouterr().out)


def _strip(value):
    """Drop wall-clock fields, which differ between runs."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in ("seconds", "wall_time", "out")}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


@pytest.mark.parametrize("name, argv, store, total", [
    ("simulate", ["simulate", "--protocol", "css", "--atoms", "4", "--interrogation-time", "0.1",
                  "--cycles", "300000", "--runs", "5", "--seed", "2"], "", 5),
    ("network", ["network", "--topology", STAR, "--shots", "0", "--simulate", "--interrogation-time", "0.01",
                 "--cycles", "3000"], "runs", 5),
])
def test_sigkill_then_resume(tmp_path, capsys, name, argv, store, total):
    """Nothing finished is recomputed (files untouched) and the final output equals an uninterrupted run's."""
    clean = _json([*argv, "--out", str(tmp_path / "clean")], capsys)
    out = tmp_path / "killed"
    finished = _kill_mid_run([*argv, "--out", str(out)], out / store, total)
    resumed = _json([*argv, "--out", str(out)], capsys)
    after = _results(out / store)
    assert len(after) == total
    assert {k: after[k] for k in finished} == finished  # not rewritten: same bytes, same modification time
    assert _strip(resumed) == _strip(clean)


@pytest.mark.slow
def test_sigkill_then_resume_design_and_adaptive(tmp_path, capsys):
    for argv, store, total in (
            (["design", "--atoms", "3", "--classes", "css,sss,1-1", "--points", "9", "--serial"], "points", 8),
            (["adaptive", "--atoms", "1", "--noise", "brownian", "--noise-strength", "0.03", "--interrogations", "25",
              "--runs", "2"], "", 6)):
        clean = _json([*argv, "--out", str(tmp_path / f"clean-{argv[0]}")], capsys)
        out = tmp_path / f"killed-{argv[0]}"
        finished = _kill_mid_run([*argv, "--out", str(out)], out / store, total, timeout=300)
        resumed = _json([*argv, "--out", str(out)], capsys)
        after = _results(out / store)
        assert {k: after[k] for k in finished} == finished
        assert _strip(resumed) == _strip(clean)


@pytest.mark.slow
def test_adaptive_resume_reuses_stored_runs(tmp_path, capsys):
    argv = ["adaptive", "--atoms", "1", "--noise", "brownian", "--noise-strength", "0.03", "--interrogations", "25",
            "--runs", "2", "--out", str(tmp_path)]
    first = _json(argv, capsys)
    files = _results(tmp_path)
    assert len(files) == 6
    victim = sorted(files)[0]
    (tmp_path / victim).unlink()  # as if killed before that run finished
    again = _json(argv, capsys)
    after = _results(tmp_path)
    assert {k: v for k, v in after.items() if k != victim} == {k: v for k, v in files.items() if k != victim}
    assert _strip(again) == _strip(first)


def test_a_second_job_never_alters_the_first(tmp_path, capsys):
    # simulate: another seed is another job; its runs are stored beside the first's, which stay untouched
    simulate = ["simulate", "--protocol", "css", "--atoms", "3", "--interrogation-time", "0.1", "--cycles", "3000",
                "--runs", "2", "--out", str(tmp_path / "sim")]
    _json([*simulate, "--seed", "1"], capsys)
    before = _results(tmp_path / "sim")
    _json([*simulate, "--seed", "2"], capsys)
    after = _results(tmp_path / "sim")
    assert len(after) == 4 and {k: after[k] for k in before} == before
    # design, network and adaptive directories are claimed by their job: another job is refused, nothing changes
    network = ["network", "--topology", STAR, "--shots", "0", "--out", str(tmp_path / "net")]
    assert main(network) == 0
    snapshot = {p.name: p.read_bytes() for p in (tmp_path / "net").iterdir()}
    capsys.readouterr()
    assert main([*network, "--seed", "5"]) == 2
    assert "holds the results of another job" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in (tmp_path / "net").iterdir()} == snapshot


def _edit(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize("damage, reason", [
    (lambda p: p.write_text(p.read_text()[:40]), "not valid JSON"),
    (lambda p: _edit(p, lambda d: d["result"].update(square=float("nan"))), "not allowed"),
    (lambda p: p.write_text(json.dumps({**json.loads(p.read_text()), "attempts": "one"})), "wrong type"),
    (lambda p: p.write_text("[" * 50_000 + "]" * 50_000), "nested"),
    (lambda p: (p.unlink(), p.symlink_to(p.with_name("elsewhere.json"))), "symbolic link"),
    (lambda p: (p.unlink(), p.mkdir()), "directory"),
    (lambda p: _edit(p, lambda d: d["result"].update(square=1e-9)), "checksum"),
])
def test_damaged_result_files_are_named_and_recomputed(tmp_path, damage, reason):
    markers = tmp_path / "markers"
    markers.mkdir()
    points = [{"value": v, "sleep": 0.0, "marker_dir": str(markers)} for v in range(2)]
    store = SweepStore(tmp_path / "store")
    first = run_sweep(slow_square, points, store=store, backend="serial")
    bad = store.path(point_key(slow_square, points[0]))
    (tmp_path / "store" / "elsewhere.json").write_text(bad.read_text())
    damage(bad)
    with pytest.warns(StoreWarning, match=reason) as caught:
        again = run_sweep(slow_square, points, store=store, backend="serial")
    assert any(str(bad) in str(w.message) for w in caught)  # the file is named
    assert again == first
    calls = sorted(p.name.split("-")[1] for p in markers.iterdir())
    assert calls == ["0", "0", "1"]  # only the damaged point ran again
    assert store.exists(bad.stem) and bad.is_file() and not bad.is_symlink()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert run_sweep(slow_square, points, store=store, backend="serial") == first  # repaired: no warning


def test_a_design_checkpoint_with_a_bad_sigma_never_reaches_the_report(tmp_path, capsys):
    argv = ["design", "--atoms", "2", "--classes", "css", "--interrogation-times", "0.1,0.2,0.4", "--serial",
            "--out", str(tmp_path), "--json"]
    assert main(argv) == 0
    clean = json.loads(capsys.readouterr().out)
    store = SweepStore(tmp_path / "points")
    for key in store.keys():
        path = store.path(key)
        data = json.loads(path.read_text())
        if data["point"].get("class") == "css":
            for item in data["result"]["points"]:
                item["parameters"]["total_sigma"] = 1e-9  # a too-good number
                item["sigma"] = 1e-9
            path.write_text(json.dumps(data))
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "qclock: warning: ignoring the stored result" in captured.err and "checksum" in captured.err
    assert _strip(json.loads(captured.out)) == _strip(clean)
    assert "1e-09" not in (tmp_path / "report.md").read_text()
