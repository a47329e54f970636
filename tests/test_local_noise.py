"""Exact local noise at real atom numbers: the permutation-invariant engine against independent routes.

* Aer's density-matrix simulation of the project's own circuits (dark-time noise and detection errors);
* brute-force QuTiP on the full 2^N Hilbert space (every channel, twists with dissipation);
* ``qutip.piqs`` (twist-time dissipation at N = 20);
* closed forms at large N (CSS binomial, GHZ parity contrast).
"""

from __future__ import annotations

import numpy as np
import pytest
import qutip
from scipy.stats import binom

from qclock_circuits import bayes, circuits, protocols
from qclock_circuits.protocols import LocalNoise, AtomicDecoherence
from qclock_circuits.protocols.operations import Rotation, Twist
from qclock_circuits.protocols.ramsey import compile_operations
from qclock_circuits.protocols.open_system import _dissipative_twist
from qclock_circuits.spin import coherent_state, su2_matrix
from qclock_circuits.spin.permutation_invariant import (
    from_piqs,
    local_generator,
    pi_apply_su2,
    pi_basis,
    pi_excitation_probabilities,
    pi_from_pure,
    pi_trace,
    to_piqs,
)

PHASES = np.array([-2.6, -0.9, 0.0, 0.35, 1.7, 3.0])


def _random_variational(atoms, n, m, seed):
    names = protocols.variational_parameter_names(n, m)
    return protocols.variational(atoms, n, m, np.random.default_rng(seed).uniform(-np.pi, np.pi, len(names)))


# ----------------------------------------------------------------------------- Aer
@pytest.mark.parametrize("atoms", [2, 3, 4, 5, 6, 7])
def test_dark_time_noise_equals_aer_density_matrix(atoms):
    cases = [protocols.css(atoms), protocols.sss(atoms, 0.4), protocols.ghz(atoms, "parity"),
             protocols.ghz(atoms, "jz"), _random_variational(atoms, 1, 2, atoms)]
    rates = [(0.1, 0.05, (0.02, 0.03)), (0.7, 0.3, (0.1, 0.0)), (0.0, 1.0, 0.0)]
    for protocol in cases:
        for dephasing, damping, readout in rates:
            noise = LocalNoise(dephasing=dephasing, amplitude_damping=damping, readout_error=readout)
            exact = protocol.probabilities(PHASES, noise=noise)
            aer = circuits.noisy_probabilities(protocol, PHASES, dephasing=dephasing, amplitude_damping=damping,
                                               readout_error=readout)
            np.testing.assert_allclose(exact, aer, atol=1e-9, err_msg=f"{protocol.name} {noise.describe()}")


# ----------------------------------------------------------------------------- full Hilbert space
def _full_space_probabilities(protocol, noise: LocalNoise, phases, *, state_only=False):
    """P(n excited | φ) by brute force on (C²)^⊗N with QuTiP (independent of the PI engine).

    With ``state_only`` it returns the density matrix entering the imprint and Jz instead.
    """
    atoms = protocol.atoms
    down, up = qutip.basis(2, 0), qutip.basis(2, 1)
    sigma_minus = down * up.dag()
    sigma_z = up * up.dag() - down * down.dag()

    def local(op, i):
        ops = [qutip.qeye(2)] * atoms
        ops[i] = op
        return qutip.tensor(ops)

    jz = sum(local(sigma_z, i) for i in range(atoms)) / 2

    def su2(matrix):
        return qutip.tensor([qutip.Qobj(matrix)] * atoms)

    def collapse(decay, dephasing, pumping):
        ops = []
        for i in range(atoms):
            if decay:
                ops.append(np.sqrt(decay) * local(sigma_minus, i))
            if pumping:
                ops.append(np.sqrt(pumping) * local(sigma_minus.dag(), i))
            if dephasing:
                ops.append(np.sqrt(dephasing / 2) * local(sigma_z, i))
        return ops

    options = {"atol": 1e-12, "rtol": 1e-12}

    def run(steps, rho):
        for kind, payload in steps:
            if kind == "su2":
                u = su2(payload)
                rho = u * rho * u.dag()
            else:
                duration = noise.twist_time(payload)
                if duration == 0:
                    u = (-0.5j * payload * jz * jz).expm()
                    rho = u * rho * u.dag()
                else:
                    h = 0.5 * payload / duration * jz * jz
                    c_ops = collapse(noise.decay_rate, noise.dephasing_rate, noise.pumping_rate)
                    rho = qutip.mesolve(h, rho, [0, duration], c_ops=c_ops, options=options).states[-1]
        return rho

    ground = qutip.tensor([down] * atoms)
    rho = run(compile_operations(protocol.preparation), ground * ground.dag())
    decay, dephasing, pumping, flip = noise.dark_rates()
    if noise.has_dark_noise:
        rho = qutip.mesolve(0 * jz, rho, [0, 1.0], c_ops=collapse(decay, dephasing, pumping),
                            options=options).states[-1]
    if flip:
        u = (-1j * np.pi * jz).expm()
        rho = u * rho * u.dag()
    if state_only:
        return rho.full(), jz.full()
    excitations = np.array([bin(i).count("1") for i in range(2**atoms)])
    out = []
    for phase in phases:
        u = (-1j * phase * jz).expm()
        final = run(compile_operations(protocol.measurement), u * rho * u.dag())
        out.append(np.bincount(excitations, weights=np.real(final.diag()), minlength=atoms + 1))
    out = np.array(out)
    if noise.has_readout_error:
        out = out @ protocols.readout_matrix(atoms, noise.readout_error).T
    return out


@pytest.mark.parametrize("kind", ["sss", "1-1", "1-2"])
def test_all_channels_and_twist_dissipation_equal_full_hilbert_space(kind):
    atoms = 3
    noise = LocalNoise(dephasing=0.6, amplitude_damping=0.1, pumping=0.05, depolarizing=0.07,
                       readout_error=(0.02, 0.05), decay_rate=0.3, dephasing_rate=0.2, pumping_rate=0.1,
                       twisting_rate=0.8)
    protocol = protocols.sss(atoms, 0.7) if kind == "sss" else _random_variational(atoms, 1, int(kind[-1]), 7)
    exact = protocol.with_noise(noise).dicke_probabilities(PHASES)
    brute = _full_space_probabilities(protocol, noise, PHASES)
    np.testing.assert_allclose(exact, brute, atol=1e-8)


def test_fixed_twist_duration_equals_full_hilbert_space():
    noise = LocalNoise(decay_rate=0.5, dephasing_rate=0.3, twist_duration=0.4)
    protocol = _random_variational(4, 2, 1, 3)
    np.testing.assert_allclose(protocol.with_noise(noise).dicke_probabilities(PHASES),
                               _full_space_probabilities(protocol, noise, PHASES), atol=1e-8)


def test_bqcrb_of_the_noisy_state_equals_the_full_hilbert_space_bound():
    from scipy.linalg import eigh

    atoms = 4
    prior = bayes.GaussianPrior(0.7)
    noise = LocalNoise(dephasing=0.15, amplitude_damping=0.1, decay_rate=0.3, dephasing_rate=0.2, twisting_rate=1.0)
    protocol = protocols.sss(atoms, 0.5).with_noise(noise)
    rho, jz = _full_space_probabilities(protocol, noise, [], state_only=True)
    m = np.real(np.diag(jz))  # Jz is diagonal in the computational basis
    lags = m[:, None] - m[None, :]
    zeroth = np.exp(-0.5 * (0.7 * lags) ** 2)  # E[e^{-iφΔ}] for a Gaussian prior
    first = -1j * lags * 0.7**2 * zeroth  # E[φ e^{-iφΔ}]
    rho_bar, rho_prime = rho * zeroth, rho * first
    values, vectors = eigh(rho_bar)
    rotated = vectors.conj().T @ rho_prime @ vectors
    denominator = values[:, None] + values[None, :]
    solution = np.where(denominator > 1e-12, 2 * rotated / np.where(denominator > 1e-12, denominator, 1), 0)
    sld = vectors @ solution @ vectors.conj().T
    brute = 0.7**2 - np.real(np.trace(rho_prime @ sld))
    assert bayes.bounds.bqcrb(protocol, prior) == pytest.approx(brute, abs=1e-9)
    ideal = bayes.bounds.bqcrb(protocols.sss(atoms, 0.5), prior)
    assert ideal < brute < bayes.bmse(protocol, prior)
    assert bayes.bounds.bqcrb(protocols.sss(atoms, 0.5).with_noise(LocalNoise(readout_error=0.1)), prior) == ideal


def test_adjoint_measurement_route_equals_forward_route():
    """Effects pulled back through dissipative twists give the same P(n|φ) as the state pushed forward."""
    atoms = 6
    noise = LocalNoise(dephasing=0.1, amplitude_damping=0.05, decay_rate=0.2, dephasing_rate=0.1,
                       pumping_rate=0.05, twisting_rate=1.5)
    protocol = _random_variational(atoms, 1, 2, 11).with_noise(noise)
    basis = pi_basis(atoms)
    x = protocol.mixed_input_state()
    forward = []
    for phase in PHASES:
        y = x * np.exp(1j * phase * basis.coherence_order)
        for kind, payload in compile_operations(protocol.measurement):
            y = pi_apply_su2(y, basis, payload) if kind == "su2" else _dissipative_twist(atoms, noise, payload, y)
        forward.append(pi_excitation_probabilities(y, basis))
    np.testing.assert_allclose(protocol.dicke_probabilities(PHASES), np.array(forward), atol=1e-12)


# ----------------------------------------------------------------------------- piqs
def test_twist_with_dissipation_equals_qutip_piqs_at_20_atoms():
    from qutip import piqs

    atoms, twist, duration = 20, 0.3, 0.5
    decay, dephasing, pumping = 0.2, 0.3, 0.05
    noise = LocalNoise(decay_rate=decay, dephasing_rate=dephasing, pumping_rate=pumping, twist_duration=duration)
    protocol = protocols.custom(atoms, [Rotation(-np.pi / 2, "y"), Twist(twist, "z")], [], readout="jz")
    state = protocol.with_noise(noise).mixed_input_state()
    start = pi_from_pure(coherent_state(atoms, axis="x"))
    system = piqs.Dicke(atoms, emission=decay, dephasing=2 * dephasing, pumping=pumping)
    jz = piqs.jspin(atoms, "z")
    liouvillian = system.liouvillian() + qutip.liouvillian(0.5 * twist / duration * jz * jz)
    result = qutip.mesolve(liouvillian, to_piqs(start, pi_basis(atoms)), [0, duration],
                           options={"atol": 1e-11, "rtol": 1e-11}).states[-1]
    np.testing.assert_allclose(state, from_piqs(result, atoms), atol=2e-8)
    assert abs(pi_trace(state, pi_basis(atoms)) - 1) < 1e-12


def test_generator_preserves_trace_and_matches_piqs_lindbladian():
    from qutip import piqs

    atoms = 7
    basis = pi_basis(atoms)
    generator = local_generator(basis, decay=0.4, dephasing=0.3, pumping=0.2).toarray()
    diagonal_entries = basis.entry_a == basis.entry_b
    np.testing.assert_allclose(generator[diagonal_entries].sum(axis=0), 0, atol=1e-12)  # d Tr / dt = 0
    x = pi_apply_su2(pi_from_pure(coherent_state(atoms, axis="x")), basis, su2_matrix(0.4, (0.2, 0.9, 0.3)))
    mine = generator @ x
    lindbladian = piqs.Dicke(atoms, emission=0.4, dephasing=0.6, pumping=0.2).lindbladian()
    theirs = (lindbladian * qutip.operator_to_vector(to_piqs(x, basis))).full()[:, 0]
    theirs = from_piqs(qutip.vector_to_operator(qutip.Qobj(theirs.reshape(-1, 1),
                                                          dims=[to_piqs(x, basis).dims, [1]])), atoms)
    # piqs evaluates its rates in single precision (Cython ``float``): agreement to ~1e-7 relative,
    # while the full-Hilbert-space tests above hold to 1e-8 absolute through whole protocols.
    np.testing.assert_allclose(mine, theirs, rtol=2e-6, atol=1e-7)


# ----------------------------------------------------------------------------- closed forms
def _css_binomial(atoms, phases, dephasing, damping, e01, e10):
    excited = 0.5 * (1 + (1 - 2 * dephasing) * np.sqrt(1 - damping) * np.sin(phases))
    read = excited * (1 - e10) + (1 - excited) * e01
    return binom.pmf(np.arange(atoms + 1)[None, :], atoms, read[:, None])


@pytest.mark.parametrize("atoms", [60, pytest.param(200, marks=pytest.mark.slow)])
def test_css_under_local_noise_is_binomial(atoms):
    noise = LocalNoise(dephasing=0.1, amplitude_damping=0.05, readout_error=(0.02, 0.03))
    np.testing.assert_allclose(protocols.css(atoms).probabilities(PHASES, noise=noise),
                               _css_binomial(atoms, PHASES, 0.1, 0.05, 0.02, 0.03), atol=1e-12)


@pytest.mark.parametrize("atoms", [9, 40])
def test_ghz_parity_contrast_falls_as_one_minus_two_p_to_the_n(atoms):
    dephasing = 0.03
    protocol = protocols.ghz(atoms, "parity")
    noisy = protocol.probabilities(PHASES, noise=LocalNoise(dephasing=dephasing))
    ideal = protocol.probabilities(PHASES)
    np.testing.assert_allclose(noisy[:, 1] - noisy[:, 0], (1 - 2 * dephasing) ** atoms * (ideal[:, 1] - ideal[:, 0]),
                               atol=1e-12)
    np.testing.assert_allclose(ideal[:, 1] - ideal[:, 0], (-1) ** atoms * np.sin(atoms * PHASES), atol=1e-12)


def test_fourier_route_preserved_and_downstream_sees_noise():
    noise = LocalNoise(dephasing=0.1, amplitude_damping=0.05, readout_error=0.02, decay_rate=0.1,
                       dephasing_rate=0.05, twisting_rate=1.0)
    protocol = protocols.sss(12, 0.3).with_noise(noise)
    coefficients = protocol.fourier_coefficients()
    lags = np.arange(-12, 13)
    values = (np.exp(1j * np.outer(PHASES, lags)) @ coefficients.T).real
    np.testing.assert_allclose(values, protocol.probabilities(PHASES), atol=1e-12)
    np.testing.assert_allclose(coefficients[:, ::-1], coefficients.conj(), atol=1e-14)
    prior = bayes.GaussianPrior(0.4)
    ideal = bayes.bmse(protocols.sss(12, 0.3), prior)
    noisy = bayes.bmse(protocol, prior)
    assert noisy > 1.05 * ideal
    # the BMSE computed from the exact likelihood on a fine grid agrees with the closed form
    grid = np.linspace(-8 * 0.4, 8 * 0.4, 4001)
    likelihood = protocol.probabilities(grid)
    weights = prior.pdf(grid) * (grid[1] - grid[0])
    evidence = weights @ likelihood
    estimate = (weights * grid) @ likelihood / evidence
    direct = float(weights @ grid**2 - evidence @ estimate**2)
    assert abs(direct - noisy) < 1e-6


# ----------------------------------------------------------------------------- API and bad input
def test_noise_travels_with_the_protocol():
    noise = LocalNoise(dephasing=0.05, readout_error=(0.01, 0.02), decay_rate=0.1, twisting_rate=2.0)
    protocol = _random_variational(5, 1, 1, 2).with_noise(noise)
    rebuilt = protocols.RamseyProtocol.from_dict(protocol.to_dict())
    assert rebuilt.noise == noise
    np.testing.assert_allclose(rebuilt.probabilities(PHASES), protocol.probabilities(PHASES), atol=1e-14)
    moved = protocol.with_parameters(protocol.parameters + 0.1)
    assert moved.noise == noise
    assert LocalNoise.from_dict(noise.to_dict()) == noise
    assert protocols.css(3).with_noise(LocalNoise()).noise is None  # ideal noise is no noise
    np.testing.assert_allclose(protocols.poi(4).probabilities(PHASES, noise=LocalNoise(readout_error=0.1)).sum(axis=1),
                               1.0, atol=1e-12)


def test_atomic_decoherence_gives_the_dark_time_probabilities():
    atoms = AtomicDecoherence(t1=2.0, t2=1.5, readout_error=(0.01, 0.02), twisting_rate=3.0)
    noise = atoms.at(0.4)
    pure_dephasing = 1 / 1.5 - 1 / 4.0
    assert noise.amplitude_damping == pytest.approx(1 - np.exp(-0.2))
    assert noise.dephasing == pytest.approx((1 - np.exp(-0.4 * pure_dephasing)) / 2)
    # single-atom Ramsey contrast is exp(-T/T2)
    assert (1 - 2 * noise.dephasing) * np.sqrt(1 - noise.amplitude_damping) == pytest.approx(np.exp(-0.4 / 1.5))
    assert noise.decay_rate == pytest.approx(0.5) and noise.dephasing_rate == pytest.approx(pure_dephasing)
    assert AtomicDecoherence.from_dict(atoms.to_dict()) == atoms
    dressed = AtomicDecoherence(t1=2.0, twisting_rate=3.0, twist_decay_rate=0.25, twist_dephasing_rate=0.1)
    assert dressed.at(0.4).decay_rate == pytest.approx(0.75) and dressed.at(0.4).dephasing_rate == pytest.approx(0.1)
    assert dressed.at(0.4).amplitude_damping == pytest.approx(1 - np.exp(-0.2))  # not during the dark time
    assert AtomicDecoherence.from_dict(dressed.to_dict()) == dressed
    slow = atoms.scaled(2.0).at(0.8)  # every time doubled: the same probabilities, half the rates
    assert slow.dephasing == pytest.approx(noise.dephasing) and slow.amplitude_damping == pytest.approx(
        noise.amplitude_damping)
    assert slow.decay_rate * slow.twist_time(0.3) == pytest.approx(noise.decay_rate * noise.twist_time(0.3))


@pytest.mark.parametrize("kwargs, message", [
    ({"dephasing": -0.1}, "dephasing must be a probability in \\[0, 1\\], got -0.1"),
    ({"amplitude_damping": 1.5}, "amplitude_damping must be a probability in \\[0, 1\\], got 1.5"),
    ({"readout_error": (0.1, 2.0)}, "readout_error\\[1\\] must be a probability"),
    ({"readout_error": (0.1, 0.2, 0.3)}, "readout_error must be a probability or a pair"),
    ({"decay_rate": float("nan"), "twisting_rate": 1.0}, "decay_rate must be a finite rate >= 0"),
    ({"dephasing_rate": 0.1}, "need their duration: give twisting_rate"),
    ({"twist_duration": 0.3}, "without any rate acting during the twists"),
    ({"decay_rate": 0.1, "twist_duration": 0.3, "twisting_rate": 1.0}, "not both"),
    ({"decay_rate": 0.1, "twisting_rate": -1.0}, "twisting_rate must be a finite number > 0, got -1.0"),
])
def test_bad_noise_is_refused_with_a_clear_message(kwargs, message):
    with pytest.raises(ValueError, match=message):
        LocalNoise(**kwargs)


def test_noise_that_the_protocol_cannot_carry_is_refused():
    with pytest.raises(ValueError, match="phase-operator measurement"):
        protocols.poi(4).with_noise(LocalNoise(dephasing=0.1))
    with pytest.raises(TypeError, match="noise must be a LocalNoise"):
        protocols.css(3).with_noise({"dephasing": 0.1})
    with pytest.raises(ValueError, match="largest N supported is"):
        protocols.css(500).with_noise(LocalNoise(dephasing=0.1)).probabilities([0.0])
    with pytest.raises(ValueError, match="need their duration"):
        AtomicDecoherence(t1=2.0, twist_decay_rate=0.1)
    with pytest.raises(ValueError, match="t2 = 5.0 exceeds 2\\*t1"):
        AtomicDecoherence(t1=2.0, t2=5.0)
    with pytest.raises(ValueError, match="no pure final state"):
        protocols.css(3).with_noise(LocalNoise(dephasing=0.1)).final_state(0.1)


def test_squeezing_under_twist_dissipation_equals_the_exact_analytic_solution_at_50_atoms():
    """Engine vs the closed form of OAT with spontaneous emission and dephasing (Foss-Feig et al., PRA 87, 042101)."""
    from qclock_circuits.spin.oat_decoherence import oat_moments, wineland_squeezing
    from qclock_circuits.spin.permutation_invariant import pi_spin_moments

    atoms, twist, duration = 50, 0.2, 1.0
    rates = {"decay_rate": 0.02, "dephasing_rate": 0.03, "pumping_rate": 0.004}
    noise = LocalNoise(twist_duration=duration, **rates)
    protocol = protocols.custom(atoms, [Rotation(-np.pi / 2, "y"), Twist(twist, "z")], [], readout="jz")
    mean, second = pi_spin_moments(protocol.with_noise(noise).mixed_input_state(), pi_basis(atoms))
    analytic = oat_moments(atoms, twist, duration, **rates)
    np.testing.assert_allclose(mean, analytic.mean, atol=1e-9)
    np.testing.assert_allclose(second - np.outer(mean, mean), analytic.covariance, atol=1e-8)
    xi2 = wineland_squeezing(analytic, atoms)
    assert wineland_squeezing(type(analytic)(**{**analytic.__dict__, "mean": mean,
                                               "covariance": second - np.outer(mean, mean)}), atoms) == \
        pytest.approx(xi2, rel=1e-9)
    ideal = wineland_squeezing(oat_moments(atoms, twist, duration), atoms)
    assert xi2 > 1.2 * ideal  # the dissipation costs squeezing


def test_stability_under_decoherence_and_the_noise_aware_squeezed_state():
    from qclock_circuits.bayes.stability import best_sss, stability_point

    atoms, time = 10, 0.1
    decoherence = AtomicDecoherence(t1=4.0, t2=1.0, readout_error=0.01, twisting_rate=5.0, twist_decay_rate=0.5)
    noise = decoherence.at(time)
    ideal = stability_point("sss", atoms, time)
    noisy = stability_point("sss", atoms, time, decoherence=decoherence)
    assert noisy.sigma > ideal.sigma
    assert noisy.parameters["local_noise"] == noise.to_dict()
    prior = bayes.GaussianPrior(noisy.prior_width)
    # the noise-aware optimum is a different circuit, and never worse under that noise than the ideal optimum
    ideal_protocol, _ = best_sss(atoms, prior)
    aware, aware_bmse = best_sss(atoms, prior, local_noise=noise)
    assert aware.noise == noise
    assert aware_bmse <= bayes.bmse(ideal_protocol.with_noise(noise), prior) + 1e-12
    assert abs(aware.parameters[0] - ideal_protocol.parameters[0]) > 1e-3
    css_point = stability_point("css", atoms, time, decoherence=decoherence)
    direct = bayes.bmse(protocols.css(atoms).with_noise(noise), prior)
    assert css_point.bmse == pytest.approx(direct, rel=1e-12)
    with pytest.raises(ValueError, match="'poi' is evaluated for ideal atoms only"):
        stability_point("poi", 4, time, decoherence=decoherence)


def test_running_clock_with_noisy_atoms_reaches_the_contrast_reduced_qpn_limit():
    """The closed loop on the noisy likelihood: σ = √T_C / (T √N C (1 − 2e)) with C = (1 − 2p)√(1 − γ)."""
    from qclock_circuits.clock.simulate import simulate_clock

    atoms, time, dephasing, damping, readout = 100, 0.001, 0.1, 0.05, 0.02
    noise = LocalNoise(dephasing=dephasing, amplitude_damping=damping, readout_error=readout)
    run = simulate_clock(protocols.css(atoms).with_noise(noise), time, 0.0, "flicker", cycles=600_000,
                         estimator="linear", prior_width=1 / np.sqrt(atoms), seed=3)
    contrast = (1 - 2 * dephasing) * np.sqrt(1 - damping) * (1 - 2 * readout)
    assert run.fringe_hops == 0
    assert run.sigma_scaled == pytest.approx(np.sqrt(time) / (time * np.sqrt(atoms) * contrast), rel=0.05)


def test_posterior_from_counts_of_noisy_atoms_uses_the_noisy_likelihood():
    atoms, true_phase = 12, 0.3
    noise = LocalNoise(dephasing=0.2, amplitude_damping=0.1, readout_error=(0.03, 0.05))
    protocol = protocols.sss(atoms, 0.2).with_noise(noise)
    rng = np.random.default_rng(5)
    counts = rng.multinomial(4000, protocol.probabilities([true_phase])[0])
    prior = bayes.GaussianPrior(1.0)
    posterior = bayes.posterior(protocol, prior, counts)
    assert abs(posterior.mean - true_phase) < 3 * posterior.std
    ideal = bayes.posterior(protocols.sss(atoms, 0.2), prior, counts)  # the wrong model is biased
    assert abs(ideal.mean - true_phase) > abs(posterior.mean - true_phase)
