"""Tests of qclock_circuits.runtime: sweeps on the serial and process backends, the store, resuming."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import qclock_circuits
from qclock_circuits._validation import QClockError
from qclock_circuits.runtime import SweepResult, SweepStore, point_key, run_sweep
from qclock_circuits.runtime.examples import monte_carlo_pi, protocol_bmse, slow_square
from qclock_circuits.runtime.keys import function_name

PACKAGE_ROOT = Path(qclock_circuits.__file__).resolve().parent.parent


def _markers(directory: Path) -> list[str]:
    """Values recorded by slow_square's call markers (one entry per call)."""
    return sorted(path.name.split("-")[1] for path in directory.glob("call-*"))


def _square_points(markers: Path, count: int, sleep: float = 0.0) -> list[dict]:
    return [{"value": i, "sleep": sleep, "marker_dir": str(markers)} for i in range(count)]


# ---------------------------------------------------------------- backends agree

def test_serial_and_processes_give_identical_results(tmp_path):
    points = [{"samples": 5000, "seed": seed} for seed in range(6)]
    serial = run_sweep(monte_carlo_pi, points, backend="serial")
    processes = run_sweep(monte_carlo_pi, points, backend="processes", workers=2, store=tmp_path / "store")
    assert processes == serial
    assert [r["samples"] for r in serial] == [5000] * 6
    assert len({r["estimate"] for r in serial}) > 1  # the seeds differ
    assert all(abs(r["estimate"] - math.pi) < 6 * r["std_error"] + 1e-12 for r in serial)
    stored = {r.key: r.result for r in SweepStore(tmp_path / "store").results()}
    assert [stored[point_key(monte_carlo_pi, p)] for p in points] == serial


def test_protocol_bmse_example_matches_bayes():
    from qclock_circuits import bayes, protocols

    points = [{"protocol": "css", "atoms": 4, "prior_width": 0.5},
              {"protocol": "sss", "atoms": 6, "prior_width": 0.4, "twist": 0.3},
              {"protocol": "ghz", "atoms": 3, "prior_width": 0.3, "estimator": "linear"}]
    results = run_sweep(protocol_bmse, points, backend="serial")
    expected = [bayes.bmse(protocols.css(4), bayes.GaussianPrior(0.5)),
                bayes.bmse(protocols.sss(6, 0.3), bayes.GaussianPrior(0.4)),
                bayes.bmse(protocols.ghz(3), bayes.GaussianPrior(0.3), "linear")]
    assert [r["bmse"] for r in results] == pytest.approx(expected, rel=1e-12)
    assert all(0 < r["effective_uncertainty"] for r in results)


def test_results_follow_point_order_and_duplicates_run_once(tmp_path):
    markers = tmp_path / "markers"
    markers.mkdir()
    values = [3, 1, 3, 2, 1]
    points = [{"value": v, "marker_dir": str(markers)} for v in values]
    calls = []
    results = run_sweep(slow_square, points, backend="processes", workers=2,
                        progress=lambda done, total: calls.append((done, total)))
    assert [r["square"] for r in results] == [v * v for v in values]
    assert _markers(markers) == ["1", "2", "3"]
    assert calls[0] == (0, 5) and calls[-1] == (5, 5)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    results[0]["square"] = -1  # duplicates are independent copies
    assert results[2]["square"] == 9


def test_empty_sweep():
    calls = []
    assert run_sweep(monte_carlo_pi, [], progress=lambda d, t: calls.append((d, t))) == []
    assert calls == [(0, 0)]


def test_nothing_written_without_store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run_sweep(monte_carlo_pi, [{"samples": 10, "seed": 1}], backend="serial")
    run_sweep(monte_carlo_pi, [{"samples": 10, "seed": 1}], backend="processes", workers=1)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- keys and the store

def test_point_key_is_stable_and_canonical():
    key = point_key(monte_carlo_pi, {"seed": 1, "samples": 10})
    assert len(key) == 64 and set(key) <= set("0123456789abcdef")
    assert key == point_key(monte_carlo_pi, {"samples": 10, "seed": 1})  # key order does not matter
    assert key != point_key(monte_carlo_pi, {"samples": 10, "seed": 2})
    assert key != point_key(monte_carlo_pi, {"samples": 10, "seed": 1}, version="2")
    assert key != point_key(slow_square, {"samples": 10, "seed": 1})
    assert point_key(slow_square, {"x": (1, 2)}) == point_key(slow_square, {"x": [1, 2]})
    assert function_name(monte_carlo_pi) == "qclock_circuits.runtime.examples.monte_carlo_pi"
    # documented recipe: sha256 of the canonical JSON of function name, point and version
    import hashlib

    text = json.dumps({"function": function_name(monte_carlo_pi), "point": {"samples": 10, "seed": 1},
                       "version": ""}, sort_keys=True, separators=(",", ":"))
    assert key == hashlib.sha256(text.encode()).hexdigest()


def test_store_api_round_trip(tmp_path):
    store = SweepStore(tmp_path / "a" / "b")  # created with parents
    assert store.keys() == [] and len(store) == 0
    point = {"samples": 10, "seed": 3}
    key = point_key(monte_carlo_pi, point)
    assert not store.exists(key) and store.load(key) is None
    record = SweepResult(key=key, function=function_name(monte_carlo_pi), point=point, result={"estimate": 3.0},
                         started=1.0, seconds=0.5, finished=2.0, attempts=1, worker="host:1")
    path = store.save(record)
    assert path == store.path(key) == tmp_path / "a" / "b" / f"{key}.json"
    assert json.loads(path.read_text())["result"] == {"estimate": 3.0}  # plain JSON on disk
    assert store.exists(key) and store.keys() == [key] and len(store) == 1
    assert store.load(key) == record
    assert SweepResult.from_dict(record.to_dict()) == record
    assert store.results() == [record] == store.results(monte_carlo_pi)
    assert store.results(slow_square) == []
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary files left
    with pytest.raises(QClockError, match="does not match"):
        SweepResult.from_dict({**record.to_dict(), "point": {"samples": 11, "seed": 3}})
    with pytest.raises(QClockError, match="format"):
        SweepResult.from_dict({**record.to_dict(), "format": "other"})
    with pytest.raises(QClockError, match="key must be 64"):
        store.path("../escape")


def test_store_reads_results_of_run_sweep(tmp_path):
    points = [{"samples": 100, "seed": s} for s in range(3)]
    results = run_sweep(monte_carlo_pi, points, store=tmp_path, backend="serial", version="v1")
    records = SweepStore(tmp_path).results()
    assert sorted(r.key for r in records) == sorted(point_key(monte_carlo_pi, p, "v1") for p in points)
    for record in records:
        assert record.version == "v1" and record.attempts == 1 and record.seconds >= 0
        assert record.result == results[points.index(record.point)]


# ---------------------------------------------------------------- resuming

@pytest.mark.parametrize("backend", ["serial", "processes"])
def test_resume_recomputes_only_missing_points(tmp_path, backend):
    markers = tmp_path / "markers"
    markers.mkdir()
    store = tmp_path / "store"
    points = _square_points(markers, 5)
    first = run_sweep(slow_square, points, store=store, backend=backend, workers=2)
    assert _markers(markers) == ["0", "1", "2", "3", "4"]
    (store / f"{point_key(slow_square, points[3])}.json").unlink()
    calls = []
    second = run_sweep(slow_square, points, store=store, backend=backend, workers=2,
                       progress=lambda done, total: calls.append((done, total)))
    assert second == first
    assert _markers(markers) == ["0", "1", "2", "3", "3", "4"]  # only point 3 ran again
    assert calls == [(4, 5), (5, 5)]
    # everything stored: a third run computes nothing
    assert run_sweep(slow_square, points, store=store, backend=backend, workers=2) == first
    assert len(_markers(markers)) == 6


def test_corrupt_store_file_is_recomputed(tmp_path):
    markers = tmp_path / "markers"
    markers.mkdir()
    store = SweepStore(tmp_path / "store")
    points = _square_points(markers, 3)
    first = run_sweep(slow_square, points, store=store, backend="serial")
    truncated = store.path(point_key(slow_square, points[0]))
    truncated.write_text(truncated.read_text()[:25])
    edited = store.path(point_key(slow_square, points[1]))
    data = json.loads(edited.read_text())
    data["point"]["value"] = 99  # no longer matches its key
    edited.write_text(json.dumps(data))
    assert not store.exists(truncated.stem) and not store.exists(edited.stem)
    assert run_sweep(slow_square, points, store=store, backend="serial") == first
    assert _markers(markers) == ["0", "0", "1", "1", "2"]
    assert store.exists(truncated.stem) and store.exists(edited.stem)


_KILL_SCRIPT = """
import json, sys
from qclock_circuits.runtime import run_sweep
from qclock_circuits.runtime.examples import slow_square
run_sweep(slow_square, json.loads(sys.argv[2]), store=sys.argv[1], backend="processes", workers=2)
"""


def test_sigkill_mid_sweep_then_resume_matches_uninterrupted_run(tmp_path):
    markers = tmp_path / "markers"
    markers.mkdir()
    store_dir = tmp_path / "store"
    points = _square_points(markers, 12, sleep=0.3)
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE_ROOT), environment.get("PYTHONPATH")]))
    process = subprocess.Popen([sys.executable, "-c", _KILL_SCRIPT, str(store_dir), json.dumps(points)],
                               cwd=tmp_path, env=environment, start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while len(list(store_dir.glob("*.json"))) < 3:
            assert process.poll() is None, process.stdout.read().decode()
            assert time.monotonic() < deadline, "the sweep did not store 3 points within 60 s"
            time.sleep(0.02)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        process.stdout.close()
    assert process.returncode == -signal.SIGKILL

    store = SweepStore(store_dir)
    done_keys = store.keys()
    assert 3 <= len(done_keys) < 12
    assert all(store.exists(key) for key in done_keys)  # atomic writes: no partial result files
    done_values = {str(store.load(key).point["value"]) for key in done_keys}
    before = _markers(markers)

    resumed = run_sweep(slow_square, points, store=store_dir, backend="processes", workers=2)
    new_calls = _markers(markers)
    for value in before:
        new_calls.remove(value)
    assert new_calls == sorted(str(i) for i in range(12) if str(i) not in done_values)  # nothing done twice

    fresh_dir = tmp_path / "fresh"
    uninterrupted = run_sweep(slow_square, points, store=fresh_dir, backend="processes", workers=2)
    assert resumed == uninterrupted == [{"value": i, "square": float(i * i)} for i in range(12)]
    resumed_records = {r.key: (r.point, r.result) for r in SweepStore(store_dir).results()}
    fresh_records = {r.key: (r.point, r.result) for r in SweepStore(fresh_dir).results()}
    assert resumed_records == fresh_records and len(fresh_records) == 12


# ---------------------------------------------------------------- failures and retries

def test_retries_recover_from_failures(tmp_path):
    markers = tmp_path / "markers"
    markers.mkdir()
    store = SweepStore(tmp_path / "store")
    point = {"value": 2, "marker_dir": str(markers), "fail_attempts": 1}
    assert run_sweep(slow_square, [point], store=store, backend="processes", workers=1, retries=1) == [
        {"value": 2, "square": 4.0}]
    assert store.load(point_key(slow_square, point)).attempts == 2


@pytest.mark.parametrize("backend", ["serial", "processes"])
def test_failing_point_raises_and_keeps_finished_points(tmp_path, backend):
    markers = tmp_path / "markers"
    markers.mkdir()
    store = SweepStore(tmp_path / "store")
    points = [{"value": 0, "marker_dir": str(markers)},
              {"value": 1, "marker_dir": str(markers), "fail_attempts": 5}]
    with pytest.raises(RuntimeError, match="fails on purpose") as info:
        run_sweep(slow_square, points, store=store, backend=backend, workers=1)
    assert any("'value': 1" in note for note in info.value.__notes__)
    assert store.keys() == [point_key(slow_square, points[0])]


def test_function_must_return_json_dict():
    with pytest.raises(TypeError, match="must return a dict, got list"):
        run_sweep(_returns_list, [{}], backend="serial")
    with pytest.raises(TypeError, match="JSON-serialisable"):
        run_sweep(_returns_set, [{}], backend="serial")


def _returns_list(point):
    return [1]


def _returns_set(point):
    return {"x": {1, 2}}


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("points, error, message", [
    ({"value": 1}, TypeError, "points must be a list of dicts"),
    (5, TypeError, "points must be a list of dicts"),
    ([{"value": 1}, [1, 2]], TypeError, r"points\[1\] must be a dict"),
    ([{"value": 1}, {"value": {1, 2}}, {"value": object()}], TypeError, r"points\[1\] must be JSON-serialisable"),
    ([{"value": float("nan")}], QClockError, r"points\[0\] must contain only finite numbers"),
    ([{1: "a"}], TypeError, r"non-string key 1"),
])
def test_bad_points(points, error, message):
    with pytest.raises(error, match=message):
        run_sweep(slow_square, points, backend="serial")


def test_bad_arguments(tmp_path):
    good = [{"value": 1}]
    existing = tmp_path / "results.json"
    existing.write_text("{}")
    with pytest.raises(QClockError, match="is an existing file") as info:
        run_sweep(slow_square, good, store=existing)
    assert str(existing) in str(info.value)
    with pytest.raises(TypeError, match="store must be a directory path"):
        run_sweep(slow_square, good, store=3)
    with pytest.raises(QClockError, match=r"backend must be one of 'processes', 'serial', 'dask', got 'threads'"):
        run_sweep(slow_square, good, backend="threads")
    with pytest.raises(QClockError, match="workers must be an integer >= 1, got 0"):
        run_sweep(slow_square, good, workers=0)
    with pytest.raises(TypeError, match="workers must be an integer >= 1, got True"):
        run_sweep(slow_square, good, workers=True)
    with pytest.raises(QClockError, match="retries must be an integer >= 0, got -1"):
        run_sweep(slow_square, good, retries=-1)
    with pytest.raises(TypeError, match="progress must be a callable"):
        run_sweep(slow_square, good, progress="yes")
    with pytest.raises(TypeError, match="function must be a callable"):
        run_sweep("slow_square", good)
    with pytest.raises(TypeError, match="version must be a str"):
        run_sweep(slow_square, good, version=2)
    with pytest.raises(QClockError, match="connect_timeout must be"):
        run_sweep(slow_square, good, connect_timeout=0)
    with pytest.raises(QClockError, match="cannot be sent to the worker processes.*backend='serial'"):
        run_sweep(lambda point: point, good, backend="processes")
    assert run_sweep(lambda point: {"ok": point["value"]}, good, backend="serial") == [{"ok": 1}]
    assert not any(tmp_path.glob("*/")), "no store directory is created for rejected arguments"


def test_missing_dask_names_the_extra(monkeypatch):
    for name in ("dask", "distributed", "dask.distributed"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(QClockError, match=r'pip install "qclock_circuits\[dask\]"'):
        run_sweep(slow_square, [{"value": 1}], backend="dask", scheduler="tcp://127.0.0.1:8786")
    from qclock_circuits.runtime.backends import connect_dask

    with pytest.raises(QClockError, match=r'qclock_circuits\[dask\]'):
        connect_dask("tcp://127.0.0.1:8786")
