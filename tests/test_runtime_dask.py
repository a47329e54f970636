"""Tests of the Dask backend of qclock_circuits.runtime on a real loopback LocalCluster."""

from __future__ import annotations

import time

import pytest

from qclock_circuits._validation import QClockError
from qclock_circuits.runtime import SCHEDULER_ENV, SweepStore, point_key, run_sweep
from qclock_circuits.runtime.examples import monte_carlo_pi, protocol_bmse, slow_square

distributed = pytest.importorskip("dask.distributed")

CLOSED_PORT = "tcp://127.0.0.1:9"  # discard port: nothing listens on loopback


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as local_cluster:
        yield local_cluster


@pytest.fixture(autouse=True)
def _no_scheduler_from_environment(monkeypatch):
    monkeypatch.delenv(SCHEDULER_ENV, raising=False)


def test_dask_matches_serial_and_stores_every_point(cluster, tmp_path):
    points = [{"samples": 2000, "seed": seed} for seed in range(6)]
    progress = []
    results = run_sweep(monte_carlo_pi, points, backend="dask", scheduler=cluster.scheduler_address,
                        store=tmp_path, progress=lambda done, total: progress.append(done))
    assert results == run_sweep(monte_carlo_pi, points, backend="serial")
    store = SweepStore(tmp_path)
    assert store.keys() == sorted(point_key(monte_carlo_pi, p) for p in points)
    assert all(store.exists(key) for key in store.keys())
    assert progress == list(range(7))


def test_dask_scheduler_from_environment_and_resume(cluster, tmp_path, monkeypatch):
    monkeypatch.setenv(SCHEDULER_ENV, cluster.scheduler_address)
    markers = tmp_path / "markers"
    markers.mkdir()
    points = [{"value": i, "marker_dir": str(markers)} for i in range(4)]
    store = tmp_path / "store"
    first = run_sweep(slow_square, points, backend="dask", store=store)
    assert first == [{"value": i, "square": float(i * i)} for i in range(4)]
    (store / f"{point_key(slow_square, points[2])}.json").unlink()
    assert run_sweep(slow_square, points, backend="dask", store=store) == first
    assert sorted(p.name.split("-")[1] for p in markers.iterdir()) == ["0", "1", "2", "2", "3"]


def test_dask_with_an_open_client_and_a_library_function(cluster):
    points = [{"protocol": "css", "atoms": n, "prior_width": 0.5} for n in (2, 4)]
    with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
        results = run_sweep(protocol_bmse, points, backend="dask", scheduler=client)
        assert client.status == "running"  # a client passed in is left open
    assert results == run_sweep(protocol_bmse, points, backend="serial")


def test_dask_failing_point_raises_with_note(cluster, tmp_path):
    markers = tmp_path / "markers"
    markers.mkdir()
    point = {"value": 5, "marker_dir": str(markers), "fail_attempts": 9}
    with pytest.raises(RuntimeError, match="fails on purpose") as info:
        run_sweep(slow_square, [point], backend="dask", scheduler=cluster.scheduler_address)
    assert any("'value': 5" in note for note in info.value.__notes__)


def test_unreachable_scheduler_is_a_clear_error():
    started = time.monotonic()
    with pytest.raises(QClockError, match="cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'") as info:
        run_sweep(slow_square, [{"value": 1}], backend="dask", scheduler=CLOSED_PORT, connect_timeout=2)
    assert time.monotonic() - started < 10
    assert info.value.__cause__ is None and info.value.__suppress_context__  # one line for the CLI


@pytest.mark.slow
def test_unreachable_scheduler_default_timeout(monkeypatch):
    monkeypatch.setenv(SCHEDULER_ENV, CLOSED_PORT)
    started = time.monotonic()
    with pytest.raises(QClockError, match=rf"tcp://127.0.0.1:9.*\${SCHEDULER_ENV}.*within 10 s"):
        run_sweep(slow_square, [{"value": 1}], backend="dask")
    assert time.monotonic() - started < 20


def test_dask_needs_an_address():
    with pytest.raises(QClockError, match=SCHEDULER_ENV):
        run_sweep(slow_square, [{"value": 1}], backend="dask")
    with pytest.raises(QClockError, match="must be a Dask scheduler address.*'nonsense:::'"):
        run_sweep(slow_square, [{"value": 1}], backend="dask", scheduler="nonsense:::")
    with pytest.raises(TypeError, match="scheduler must be an address string"):
        run_sweep(slow_square, [{"value": 1}], backend="dask", scheduler=8786)


def test_dask_not_contacted_when_everything_is_stored(tmp_path):
    points = [{"value": 1}]
    expected = run_sweep(slow_square, points, backend="serial", store=tmp_path)
    assert run_sweep(slow_square, points, backend="dask", scheduler=CLOSED_PORT, store=tmp_path) == expected
