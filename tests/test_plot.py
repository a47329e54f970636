"""qclock_circuits.plot: figures carry the data they were given, write nothing unless asked, reject bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")

from matplotlib.figure import Figure  # noqa: E402

from qclock_circuits import bayes, clock, plot, protocols  # noqa: E402
from qclock_circuits._validation import QClockError  # noqa: E402
from qclock_circuits.bayes.stability import StabilityPoint  # noqa: E402


def _point(kind, time_value, sigma, atoms=8, **parameters):
    return StabilityPoint(kind=kind, atoms=atoms, estimator="bayes", interrogation_time=time_value, dead_time=0.0,
                          prior_width=0.1, bmse=0.01, dphi_m=0.1, sigma=sigma, parameters=parameters)


@pytest.fixture
def curves():
    times = [0.01, 0.03, 0.1, 0.3]
    return {"css": [_point("css", t, 1.0 / math.sqrt(8 * t)) for t in times],
            "1-2": [_point("variational", t, 0.8 / math.sqrt(8 * t), total_sigma=0.9 / math.sqrt(8 * t))
                    for t in times],
            "oqi": [_point("oqi", t, s) for t, s in zip(times, (0.9, None, 0.4, 0.3))]}


def test_stability_curves_carries_the_points_and_reference_lines(curves, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    figure = plot.stability_curves(curves)
    assert isinstance(figure, Figure)
    lines = figure.axes[0].lines
    assert [line.get_label() for line in lines] == ["CSS", "[1,2]", "OQI (bound)", "SQL 1/√(NT)", "HL 1/(N√T)"]
    np.testing.assert_array_equal(lines[0].get_xdata(), [0.01, 0.03, 0.1, 0.3])
    np.testing.assert_allclose(lines[0].get_ydata(), [1 / math.sqrt(8 * t) for t in (0.01, 0.03, 0.1, 0.3)])
    # the total σ (with the Dick effect) is drawn where the point carries one
    np.testing.assert_allclose(lines[1].get_ydata(), [0.9 / math.sqrt(8 * t) for t in (0.01, 0.03, 0.1, 0.3)])
    # the infinite OQI point (None: its JSON form) is left out, not drawn as NaN
    np.testing.assert_array_equal(lines[2].get_xdata(), [0.01, 0.1, 0.3])
    # SQL and HL for N = 8 at the ends of the T range
    sql, hl = lines[3], lines[4]
    assert sql.get_xdata()[0] == pytest.approx(0.01) and sql.get_xdata()[-1] == pytest.approx(0.3)
    assert sql.get_ydata()[0] == pytest.approx(1 / math.sqrt(0.08))
    assert hl.get_ydata()[-1] == pytest.approx(1 / (8 * math.sqrt(0.3)))
    assert [line.get_color() for line in lines[:3]] == ["tab:orange", lines[1].get_color(), "black"]
    assert lines[2].get_linestyle() == "--"
    assert list(tmp_path.iterdir()) == []  # nothing written without path


def test_stability_curves_colour_and_style_follow_kind_and_estimator():
    linear = [StabilityPoint(kind="sss", atoms=4, estimator="linear", interrogation_time=t, dead_time=0.0,
                             prior_width=0.1, bmse=0.01, dphi_m=0.1, sigma=1.0 / t) for t in (0.1, 0.2)]
    line = plot.stability_curves({"SSS, linear": linear}, references=()).axes[0].lines[0]
    assert line.get_label() == "SSS, linear" and line.get_color() == "tab:red" and line.get_linestyle() == "-."


def test_stability_curves_writes_only_the_given_path(curves, tmp_path):
    target = tmp_path / "sigma.png"
    plot.stability_curves(curves, references=(), path=target)
    assert [p.name for p in tmp_path.iterdir()] == ["sigma.png"]
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_stability_curves_draws_into_a_given_axes(curves):
    outer = Figure()
    axes = outer.subplots(1, 2)
    returned = plot.stability_curves(curves, references=("pi_hl",), ax=axes[1])
    assert returned is outer
    assert len(axes[1].lines) == 4 and len(axes[0].lines) == 0
    assert axes[1].lines[-1].get_ydata()[0] == pytest.approx(math.pi / (8 * math.sqrt(0.01)))


def test_stability_curves_bad_input(curves):
    with pytest.raises(TypeError, match="curves"):
        plot.stability_curves([1, 2])
    with pytest.raises(QClockError, match="references"):
        plot.stability_curves(curves, references=("shot",))
    with pytest.raises(QClockError, match="css"):
        plot.stability_curves({"css": []})
    with pytest.raises(TypeError, match="StabilityPoint"):
        plot.stability_curves({"css": [0.1, 0.2]})
    mixed = dict(curves, ghz=[_point("ghz", 0.1, 1.0, atoms=16)])
    with pytest.raises(QClockError, match="atoms="):
        plot.stability_curves(mixed)
    with pytest.raises(TypeError, match="ax"):
        plot.stability_curves(curves, ax="left")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        plot.stability_curves(curves, path="/nonexistent-folder/x.png")


def test_allan_deviation_bars_are_the_confidence_interval():
    samples = np.random.default_rng(3).normal(size=2048)
    result = clock.overlapping_adev(samples, 0.5)
    figure = plot.allan_deviation({"white FM": result}, theory={"white FM": lambda tau: np.sqrt(0.5 / tau)},
                                  time_unit="Z")
    axis = figure.axes[0]
    assert len(axis.lines) == 2
    np.testing.assert_array_equal(axis.lines[0].get_xdata(), result.tau)
    np.testing.assert_array_equal(axis.lines[0].get_ydata(), result.sigma)
    np.testing.assert_allclose(axis.lines[1].get_ydata(), np.sqrt(0.5 / result.tau))
    segments = axis.collections[0].get_segments()
    assert len(segments) == len(result)
    np.testing.assert_allclose([s[0][1] for s in segments], result.ci_low)
    np.testing.assert_allclose([s[1][1] for s in segments], result.ci_high)
    assert axis.get_xlabel() == "averaging time τ (Z)"
    assert [text.get_text() for text in axis.get_legend().get_texts()] == ["white FM theory", "white FM"]


def test_allan_deviation_accepts_dicts_and_explicit_theory_and_rejects_bad_input():
    result = clock.overlapping_adev(np.random.default_rng(4).normal(size=512), 1.0)
    figure = plot.allan_deviation({"a": result.to_dict(), "b": result}, confidence=False,
                                  theory={"model": ([1.0, 100.0], [1.0, 0.1])})
    axis = figure.axes[0]
    assert [line.get_label() for line in axis.lines] == ["a", "b", "model"]
    assert not axis.collections
    single = plot.allan_deviation(result.to_dict()).axes[0]
    np.testing.assert_array_equal(single.lines[0].get_ydata(), result.sigma)
    with pytest.raises(TypeError, match="AllanResult"):
        plot.allan_deviation({"a": [1, 2, 3]})
    with pytest.raises(QClockError, match="empty"):
        plot.allan_deviation({})
    with pytest.raises(QClockError, match="shape"):
        plot.allan_deviation(result, theory=lambda tau: np.ones(3))
    with pytest.raises(QClockError, match="one length"):
        plot.allan_deviation(result, theory=([1.0, 2.0], [1.0]))


def test_ramsey_signal_shows_the_likelihood_and_the_estimator():
    protocol = protocols.css(4)
    phases = np.linspace(-1.0, 1.0, 41)
    figure = plot.ramsey_signal(protocol, prior_width=0.4, estimator="linear", phases=phases)
    top, bottom, _colorbar, twin = figure.axes
    np.testing.assert_allclose(top.images[0].get_array(), protocol.probabilities(phases).T)
    np.testing.assert_allclose(twin.lines[0].get_ydata(), protocol.signal(phases), atol=1e-12)
    table = bayes.estimator_table(protocol, bayes.GaussianPrior(0.4), "linear")
    np.testing.assert_allclose(bottom.lines[1].get_ydata(), protocol.probabilities(phases) @ table)
    np.testing.assert_array_equal(bottom.lines[0].get_ydata(), phases)
    # near φ = 0 the linear estimator shrinks towards the prior mean: slope ≈ δφ²/(δφ² + 1/N) = 0.39
    slope = np.gradient(bottom.lines[1].get_ydata(), phases)[20]
    assert slope == pytest.approx(0.16 / (0.16 + 0.25), rel=0.15)
    only_signal = plot.ramsey_signal(protocol)
    assert len(only_signal.axes) == 3  # signal, colour bar, twin


def test_ramsey_signal_bad_input():
    with pytest.raises(TypeError, match="RamseyProtocol"):
        plot.ramsey_signal("css")
    with pytest.raises(QClockError, match="prior_width"):
        plot.ramsey_signal(protocols.css(2), prior_width=-1.0)
    with pytest.raises(QClockError, match="increasing"):
        plot.ramsey_signal(protocols.css(2), phases=[0.3, 0.1, 0.2])
    with pytest.raises(QClockError, match="pair of Axes"):
        plot.ramsey_signal(protocols.css(2), prior_width=0.3, ax=Figure().add_subplot())


def test_posterior_draws_prior_likelihood_posterior_and_estimate():
    protocol = protocols.css(4)
    prior = bayes.GaussianPrior(0.6)
    counts = {0.0: 3, 1.0: 5, 2.0: 2}
    result = bayes.posterior(protocol, prior, counts)
    figure = plot.posterior(result, prior=prior, protocol=protocol, counts=counts, true_phase=0.2)
    axis = figure.axes[0]
    posterior_line, prior_line, likelihood_line, estimate_line, true_line = axis.lines
    np.testing.assert_array_equal(posterior_line.get_ydata(), result.density)
    np.testing.assert_allclose(prior_line.get_ydata(), prior.pdf(result.phi))
    # posterior ∝ likelihood × prior: an independent check of the drawn likelihood
    phi = result.phi
    product = likelihood_line.get_ydata() * prior.pdf(phi)
    product /= np.trapezoid(product, phi)
    np.testing.assert_allclose(product, result.density, atol=1e-6 * result.density.max())
    assert np.trapezoid(likelihood_line.get_ydata(), phi) == pytest.approx(1.0)
    assert estimate_line.get_xdata()[0] == pytest.approx(result.mean)
    assert true_line.get_xdata()[0] == pytest.approx(0.2)


def test_posterior_bad_input():
    protocol = protocols.css(2)
    result = bayes.posterior(protocol, bayes.GaussianPrior(0.5), {1.0: 1})
    with pytest.raises(TypeError, match="Posterior"):
        plot.posterior(np.zeros(3))
    with pytest.raises(QClockError, match="both protocol and counts"):
        plot.posterior(result, protocol=protocol)
    with pytest.raises(TypeError, match="pdf"):
        plot.posterior(result, prior=0.5)
    with pytest.raises(TypeError, match="finite real"):
        plot.posterior(result, estimate="mean")


def test_husimi_q_of_the_css_peaks_on_the_equator_with_the_right_value():
    protocol = protocols.css(6)
    figure = plot.husimi_q(protocol, resolution=(31, 61))
    mesh = figure.axes[0].collections[0]
    values = np.asarray(mesh.get_array()).reshape(61, 31)
    theta = np.linspace(0, np.pi, 31)
    azimuth = np.linspace(-np.pi, np.pi, 61)
    j, k = np.unravel_index(np.argmax(values), values.shape)
    assert azimuth[j] == pytest.approx(0.0, abs=1e-12) and theta[k] == pytest.approx(np.pi / 2)
    # closed form for a spin coherent state, Θ the angle to +x: Q = |⟨θ,ϕ|+x⟩|² = cos^{4j}(Θ/2) = ((1 + cos Θ)/2)^N
    x_component = np.sin(theta)[None, :] * np.cos(azimuth)[:, None]
    expected = ((1 + x_component) / 2) ** 6
    np.testing.assert_allclose(values, expected, atol=1e-10)


def test_husimi_q_stages_move_the_state_by_the_imprint():
    protocol = protocols.css(6)
    azimuth = np.linspace(-np.pi, np.pi, 61)
    figure = plot.husimi_q(protocol, stage="imprinted", phase=0.6283185307179586, resolution=(31, 61))
    values = np.asarray(figure.axes[0].collections[0].get_array()).reshape(61, 31)
    j, _ = np.unravel_index(np.argmax(values), values.shape)
    assert azimuth[j] == pytest.approx(0.6283185307179586, abs=1e-9)  # exp(−iφJz) turns +x by φ about z
    from_vector = plot.husimi_q(np.asarray(protocol.input_state), resolution=(31, 61)).axes[0].collections[0]
    from_protocol = plot.husimi_q(protocol, resolution=(31, 61)).axes[0].collections[0]
    np.testing.assert_allclose(from_vector.get_array(), from_protocol.get_array())


def test_husimi_q_bad_input():
    with pytest.raises(QClockError, match="stage"):
        plot.husimi_q(protocols.css(2), stage="after")
    with pytest.raises(QClockError, match="normalised"):
        plot.husimi_q(np.array([1.0, 1.0, 0.0]))
    with pytest.raises(QClockError, match="RamseyProtocol"):
        plot.husimi_q(np.array([1.0, 0.0, 0.0]), stage="final")
    with pytest.raises(TypeError, match="resolution"):
        plot.husimi_q(protocols.css(2), resolution=(10.5, 20))


def _fig3_data():
    from qclock_circuits.network.figure3 import LABELS

    taus = [0.01, 0.1, 1.0, 10.0]
    sigma = {name: [1e-16 / (i + 1) / t for t in taus] for i, name in enumerate(LABELS)}
    sigma["independent"][0] = None  # no valid run: a gap
    analytic = {name: [2e-16 / (i + 1) / t for t in taus] for i, name in enumerate(LABELS)}
    return {"taus": taus, "sigma": sigma, "analytic": analytic, "fits": {}, "points": []}


def test_network_strategies_draws_loop_and_closed_forms():
    from qclock_circuits.network.figure3 import LABELS, Fig3Result

    data = _fig3_data()
    for result in (data, Fig3Result.from_dict(data)):
        axis = plot.network_strategies(result).axes[0]
        assert len(axis.lines) == 2 * len(LABELS)
        assert [line.get_label() for line in axis.lines[:5]] == [label + " (loop)" for label in LABELS.values()]
        np.testing.assert_array_equal(axis.lines[0].get_ydata(), data["sigma"]["quantum_network"])
        assert math.isnan(axis.lines[2].get_ydata()[0])
        np.testing.assert_array_equal(axis.lines[5].get_ydata(), data["analytic"]["quantum_network"])
    assert len(plot.network_strategies(data, analytic=False).axes[0].lines) == len(LABELS)


def test_network_strategies_bad_input():
    data = _fig3_data()
    with pytest.raises(TypeError, match="Fig3Result"):
        plot.network_strategies([1, 2])
    with pytest.raises(QClockError, match="taus"):
        plot.network_strategies({"sigma": {}})
    data["sigma"]["quantum_network"] = [1.0]
    with pytest.raises(QClockError, match="quantum_network"):
        plot.network_strategies(data)
