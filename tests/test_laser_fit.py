"""Laser noise model from measured data: power-law fits to an Allan deviation or a spectrum (clock.laser_fit)."""

import json
import math

import numpy as np
import pytest

from qclock_circuits._validation import QClockError
from qclock_circuits.clock.laser_fit import (
    LaserNoiseFit,
    adev_basis,
    fit_adev,
    fit_laser_file,
    fit_psd,
    read_adev_csv,
)
from qclock_circuits.clock.noise import LocalOscillatorNoise

H_TRUE = {0: 4e-32, -1: 1e-33, -2: 2e-35}
NU0 = 4.29e14  # Sr lattice clock, Hz


def _adev(h, tau, bandwidth=None):
    return np.sqrt(sum(v * adev_basis(a, tau, bandwidth) for a, v in h.items()))


def test_basis_matches_package_allan_variance_of_frequency_noise():
    # the clock layer's free-running Allan variance (units of Z) is the same power law: h0/(2τ), 2ln2 h_-1, 2π²/3 h_-2 τ
    lo = LocalOscillatorNoise({0: 0.3, -1: 0.2, -2: 0.1})
    tau = np.array([0.1, 1.0, 7.0])
    model = sum(v * adev_basis(a, tau) for a, v in lo.h.items())
    np.testing.assert_allclose(model, lo.analytic_avar(tau), rtol=1e-14)


def test_exact_recovery_without_noise_including_phase_noise_terms():
    h = {2: 3e-30, 1: 5e-31, **H_TRUE}
    tau = np.geomspace(1e-3, 1e3, 40)
    adev = _adev(h, tau, bandwidth=50.0)
    fit = fit_adev(tau, adev, 0.01 * adev, terms=(-2, -1, 0, 1, 2), bandwidth=50.0)
    for alpha, value in h.items():
        assert fit.h_alpha[alpha] == pytest.approx(value, rel=1e-8)
    assert fit.chi2 < 1e-12
    f = np.geomspace(1e-3, 1e2, 30)
    spectrum = sum(v * f**a for a, v in h.items())
    fit_s = fit_psd(f, spectrum, 0.1 * spectrum, terms=("white_pm", "flicker_pm", "white", "flicker", "random_walk"))
    for alpha, value in h.items():
        assert fit_s.h_alpha[alpha] == pytest.approx(value, rel=1e-8)


@pytest.mark.parametrize("kind", ["adev", "psd"])
def test_noisy_fits_cover_the_truth_at_their_stated_uncertainty(kind):
    # 300 synthetic measurements with 3 % Gaussian errors: h_α within 1σ in ≈ 68 %, within 2σ in ≈ 95 %
    rng = np.random.default_rng(2024)
    tau = np.geomspace(0.1, 1000, 20)
    f = np.geomspace(1e-3, 10, 25)
    within1, within2, total = 0, 0, 0
    for _ in range(300):
        if kind == "adev":
            truth = _adev(H_TRUE, tau)
            err = 0.03 * truth
            fit = fit_adev(tau, truth + err * rng.standard_normal(tau.size), err)
        else:
            truth = sum(v * f**a for a, v in H_TRUE.items())
            err = 0.03 * truth
            fit = fit_psd(f, truth + err * rng.standard_normal(f.size), err)
        for alpha, value in H_TRUE.items():
            pull = abs(fit.h_alpha[alpha] - value) / fit.h_alpha_err[alpha]
            within1 += pull < 1.0
            within2 += pull < 2.0
            total += 1
    assert 0.62 < within1 / total < 0.74
    assert 0.92 < within2 / total < 0.98


def test_equal_relative_errors_are_estimated_from_the_scatter():
    rng = np.random.default_rng(5)
    tau = np.geomspace(0.1, 1000, 30)
    truth = _adev(H_TRUE, tau)
    fit = fit_adev(tau, truth * (1 + 0.02 * rng.standard_normal(tau.size)))
    assert fit.error_model == "estimated"
    assert fit.chi2 == pytest.approx(fit.dof)  # errors scaled so that χ²/dof = 1
    assert np.median(fit.data_err / fit.data) == pytest.approx(0.02, rel=0.4)
    for alpha, value in H_TRUE.items():
        assert abs(fit.h_alpha[alpha] - value) < 4 * fit.h_alpha_err[alpha]


def test_edf_errors_follow_the_overlapping_estimator():
    from qclock_circuits.clock.allan import edf_overlapping

    tau = np.array([1.0, 2.0, 4.0, 8.0])
    adev = np.sqrt(0.5 * 2e-30 / tau)  # white FM
    fit = fit_adev(tau, adev, samples=1000, terms="white")
    expected = adev / np.sqrt(2 * np.array([edf_overlapping(1001, m, "white") for m in (1, 2, 4, 8)]))
    np.testing.assert_allclose(fit.data_err, expected, rtol=1e-12)
    assert fit.error_model == "edf"


def test_coherence_time_solves_eq30_and_its_error_matches_finite_differences():
    tau = np.geomspace(0.1, 1000, 20)
    adev = _adev(H_TRUE, tau)
    fit = fit_adev(tau, adev, 0.02 * adev)
    dead = 0.3
    z = fit.coherence_time(NU0, dead)
    assert float(fit.adev(z + dead, frequency_only=True)[0]) * 2 * math.pi * NU0 * z == pytest.approx(1.0, rel=1e-12)
    # dead time in units of Z: Z + T_D = Z (1 + d)
    z_rel = fit.coherence_time(NU0, 0.1, dead_time_unit="Z")
    assert float(fit.adev(1.1 * z_rel)[0]) * 2 * math.pi * NU0 * z_rel == pytest.approx(1.0, rel=1e-12)
    # error propagation: gradient by finite differences of Z(h)
    grad = []
    for alpha in fit.alphas:
        step = 1e-6 * fit.h_alpha[alpha]
        bumped = dict(fit.h_alpha)
        bumped[alpha] += step
        other = LaserNoiseFit(**{**fit.__dict__, "h_alpha": bumped})
        grad.append((other.coherence_time(NU0, dead) - z) / step)
    grad = np.array(grad)
    assert fit.coherence_time_err(NU0, dead) == pytest.approx(math.sqrt(grad @ fit.covariance @ grad), rel=1e-4)
    lo = fit.noise(NU0, dead)
    assert isinstance(lo, LocalOscillatorNoise)
    assert lo.coherence_time == pytest.approx(z, rel=1e-12)
    assert float(lo.analytic_adev(1 + dead / z)) == pytest.approx(1.0, rel=1e-10)  # eq. (30) in units of Z
    for alpha, value in lo.physical_h().items():
        assert value == pytest.approx(fit.h_alpha[alpha], rel=1e-12)


def test_single_flicker_term_gives_the_closed_form_coherence_time():
    # σ_y = √(2 ln2 h_-1) constant: eq. (30) gives Z = 1 / (ω0 σ_y), whatever the dead time
    h = 3e-33
    tau = np.geomspace(1, 100, 5)
    fit = fit_adev(tau, np.full(5, math.sqrt(2 * math.log(2) * h)), terms="flicker", relative_error=0.05)
    assert fit.coherence_time(NU0, 0.5) == pytest.approx(1 / (2 * math.pi * NU0 * math.sqrt(2 * math.log(2) * h)),
                                                         rel=1e-12)
    assert fit.dominant_noise(NU0)[0] == "flicker"


def test_round_trip_through_json(tmp_path):
    tau = np.geomspace(0.1, 1000, 12)
    adev = _adev(H_TRUE, tau)
    path = tmp_path / "adev.csv"
    path.write_text("# laser vs. reference cavity\ntau_s,adev,adev_err\n"
                    + "".join(f"{t:.17g},{a:.17g},{0.02 * a:.17g}\n" for t, a in zip(tau, adev)))
    fit = fit_laser_file(path)
    again = LaserNoiseFit.from_dict(json.loads(json.dumps(fit.to_dict())))
    assert again.h_alpha == fit.h_alpha and again.h_alpha_err == fit.h_alpha_err
    np.testing.assert_array_equal(again.covariance, fit.covariance)
    assert again.meta["file"] == str(path)
    assert again.coherence_time(NU0) == fit.coherence_time(NU0)


@pytest.mark.parametrize("text, message", [
    ("tau_s,sigma_err\n1,2\n2,3\n", "missing column 'adev'"),
    ("tau_s,adev\n1,1e-15\n-2,1e-15\n", "'tau_s' must hold finite values > 0"),
    ("tau_s,adev\n1,1e-15\n", "too few points"),
    ("tau_s,adev\n1,1e-15\nx,1e-15\n", "line 3"),
    ("", "empty file"),
])
def test_bad_files_raise_one_clear_error(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(QClockError, match=message):
        read_adev_csv(path)


def test_bad_arguments_raise():
    tau = np.geomspace(1, 10, 4)
    adev = _adev(H_TRUE, tau)
    with pytest.raises(QClockError, match="too few data points"):
        fit_adev(tau[:3], adev[:3])  # 3 terms + the estimated error scale need 4 points
    with pytest.raises(QClockError, match="bandwidth"):
        fit_adev(tau, adev, terms=(0, 2))
    with pytest.raises(QClockError, match="terms must be"):
        fit_adev(tau, adev, terms=(3,))
    with pytest.raises(QClockError, match="one value per tau"):
        fit_adev(tau, adev[:3])
    with pytest.raises(QClockError, match="transition_frequency"):
        fit_adev(tau, adev).coherence_time(-1.0)
    with pytest.raises(QClockError, match="dead_time_unit"):
        fit_adev(tau, adev).coherence_time(NU0, 1.0, dead_time_unit="ms")


def test_averaged_spectrum_fit_is_unbiased_and_covers_the_truth():
    # chi-square scatter of a 16-times averaged periodogram, relative errors 1/4 applied to the fitted curve:
    # weighting by the scattered data instead would pull every h_alpha low (points that scatter low weigh more)
    rng = np.random.default_rng(8)
    f = np.geomspace(1e-3, 5, 40)
    truth = sum(v * f**a for a, v in H_TRUE.items())
    pulls = {a: [] for a in H_TRUE}
    for _ in range(200):
        fit = fit_psd(f, truth * rng.gamma(16, 1 / 16, f.size), averages=16)
        for alpha in H_TRUE:
            pulls[alpha].append((fit.h_alpha[alpha] - H_TRUE[alpha]) / fit.h_alpha_err[alpha])
    for alpha, values in pulls.items():
        values = np.array(values)
        assert abs(values.mean()) < 0.25, alpha
        assert 0.55 < np.mean(np.abs(values) < 1.0) < 0.8, alpha


def test_one_point_with_samples_is_too_few_not_a_numpy_error():
    with pytest.raises(QClockError, match="too few data points"):
        fit_adev([1.0], [1e-16], samples=1000)
