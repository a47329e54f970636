"""The adaptive clock in the package's object model: noise names, h → h_α, LocalOscillatorNoise."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qclock_circuits._validation import QClockError
from qclock_circuits.clock.adaptive.covariance import frequency_kernel
from qclock_circuits.clock.adaptive.simulate import (
    AdaptiveClockResult,
    canonical_noise,
    nist_spectrum,
    oscillator_noise,
    simulate_adaptive_clock,
)


def test_paper_word_brownian_is_an_alias_of_random_walk():
    assert canonical_noise("brownian") == "random_walk"
    assert canonical_noise("flicker") == "flicker"
    with pytest.raises(QClockError, match="noise"):
        canonical_noise("white")
    alias = simulate_adaptive_clock(2, "brownian", 0.03, 8, runs=2, protocol="ramsey", seed=4)
    name = simulate_adaptive_clock(2, "random_walk", 0.03, 8, runs=2, protocol="ramsey", seed=4)
    assert alias.noise == name.noise == "random_walk"
    np.testing.assert_array_equal(alias.estimates, name.estimates)
    stored = {**alias.to_dict(), "noise": "brownian"}  # results stored before the rename
    assert AdaptiveClockResult.from_dict(stored).noise == "random_walk"


@pytest.mark.parametrize("noise, h", [("random_walk", 0.03), ("flicker", 0.05)])
def test_oscillator_noise_carries_the_papers_kernel(noise, h):
    """The package's LO noise reproduces −(h/2)|τ| and −2h ln|τ| (Mullan & Knill eqs. 1–2)."""
    lo = oscillator_noise(noise, h)
    (alpha, value), = lo.h.items()
    assert {alpha: value} == nist_spectrum(noise, h)
    tau = np.array([0.5, 2.0, 7.0])
    paper = -(h / 2) * tau if noise == "random_walk" else -2 * h * np.log(tau)
    np.testing.assert_allclose(frequency_kernel(tau, alpha, value), paper, rtol=1e-12)
    assert math.isclose(nist_spectrum("brownian", 0.03)[-2], 0.03 / (2 * math.pi**2), rel_tol=1e-15)


def test_programs_kept_on_disk_are_read_back_exactly(tmp_path, monkeypatch):
    """The shared program store changes no number: the state and POVM come back bit for bit."""
    from qclock_circuits.clock.adaptive import interrogation_programs, simulate

    monkeypatch.setenv(simulate.SDP_STORE_VARIABLE, str(tmp_path))
    interrogation_programs._cached_sdp.cache_clear()
    solved = interrogation_programs._cached_sdp(2, -70, 30, 0.01)
    assert len(list(tmp_path.glob("sdp-*.json"))) == 1
    interrogation_programs._cached_sdp.cache_clear()
    stored = interrogation_programs._cached_sdp(2, -70, 30, 0.01)
    interrogation_programs._cached_sdp.cache_clear()
    np.testing.assert_array_equal(stored[0], solved[0])
    np.testing.assert_array_equal(stored[1], solved[1])


def test_ramsey_baseline_is_the_packages_css_protocol():
    """The fixed Ramsey baseline is built from a RamseyProtocol: same outcome law as protocols.css."""
    from qclock_circuits.clock.adaptive.baselines import ramsey_interrogation
    from qclock_circuits.protocols import css, sss

    phases = np.linspace(-2.0, 2.0, 9)
    for atoms in (1, 2, 3):
        np.testing.assert_allclose(ramsey_interrogation(atoms).probabilities(phases), css(atoms).probabilities(phases),
                                   atol=1e-14)
    squeezed = sss(4, twist=0.3)
    np.testing.assert_allclose(ramsey_interrogation(4, protocol=squeezed).probabilities(phases),
                               squeezed.probabilities(phases), atol=1e-12)
    shifted = ramsey_interrogation(2, measurement_phase=0.4).probabilities(phases + 0.4)
    np.testing.assert_allclose(shifted, css(2).probabilities(phases), atol=1e-14)
    with pytest.raises(QClockError, match="3 atoms"):
        ramsey_interrogation(3, protocol=css(2))
    with pytest.raises(TypeError, match="RamseyProtocol"):
        ramsey_interrogation(2, protocol="css")
