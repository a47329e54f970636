"""A recorded frequency trace to its Allan deviation (clock.trace), against allantools."""

import numpy as np
import pytest

from qclock_circuits._validation import QClockError
from qclock_circuits.clock.trace import phase_to_frequency, read_trace_csv, trace_adev

allantools = pytest.importorskip("allantools")


@pytest.mark.parametrize("data_type", ["freq", "phase"])
def test_trace_adev_equals_allantools_oadev(tmp_path, data_type):
    rng = np.random.default_rng(7)
    samples = np.cumsum(rng.standard_normal(5000)) * 1e-17 + 3e-16 * rng.standard_normal(5000)
    if data_type == "phase":
        samples = np.cumsum(samples) * 0.5  # phase in s at 2 Hz
    tau, sigma, _, _ = allantools.oadev(samples, rate=2.0, data_type=data_type, taus="octave")
    result = trace_adev(samples, rate=2.0, data_type=data_type)
    np.testing.assert_allclose(result.tau, tau, rtol=1e-15)
    np.testing.assert_allclose(result.sigma, sigma, rtol=1e-12)
    assert np.all(result.ci_low < result.sigma) and np.all(result.sigma < result.ci_high)
    # the same trace from a CSV file
    path = tmp_path / "trace.csv"
    column = "y" if data_type == "freq" else "phase_s"
    path.write_text(f"# counter log, 2 Hz\n{column}\n" + "".join(f"{v:.17g}\n" for v in samples))
    from_file = trace_adev(path, rate=2.0)
    np.testing.assert_allclose(from_file.sigma, sigma, rtol=1e-12)
    assert read_trace_csv(path)[1] == data_type


def test_phase_to_frequency_is_the_first_difference_times_the_rate():
    np.testing.assert_allclose(phase_to_frequency([0.0, 1e-12, 3e-12], rate=10.0), [1e-11, 2e-11], rtol=1e-15)


@pytest.mark.parametrize("text, message", [("z\n1\n2\n3\n", "missing column"), ("y\n1\n2\n", "too few samples"),
                                           ("y\n1\nfoo\n3\n", "must be a number")])
def test_bad_trace_files(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(QClockError, match=message):
        trace_adev(path, rate=1.0)


def test_bad_arguments():
    with pytest.raises(QClockError, match="data_type"):
        trace_adev(np.ones(10), rate=1.0, data_type="counts")
    with pytest.raises(QClockError, match="rate"):
        trace_adev(np.ones(10), rate=0.0, data_type="phase")
