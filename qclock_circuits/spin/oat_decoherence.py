r"""One-axis twisting with local decay, pumping and dephasing, solved exactly in closed form.

The twist ``H = χ Jz²`` commutes with every ``σz_i``, and the local noise
(decay ``σ⁻``, pumping ``σ⁺``, dephasing ``σz``) never turns a population into
a coherence. Both facts together make the first and second moments of the
collective spin exactly computable for any N in O(1) operations — the
solution of Foss-Feig, Hazzard, Bollinger & Rey, "Nonequilibrium dynamics of
arbitrary-range Ising models with decoherence: An exact analytic solution",
Phys. Rev. A 87, 042101 (2013) (arXiv:1209.5795), specialised to uniform
all-to-all coupling. This module is an independent route to the same numbers
as the permutation-invariant density-matrix engine.

Problem solved (project conventions, CONVENTIONS.md)
----------------------------------------------------
Start in the coherent state along +x, ``|+x⟩ = Ry(-π/2)|↓…↓⟩`` (every atom in
``(|↓⟩ + |↑⟩)/√2``), and evolve for a time ``T`` (``duration``) under

.. math::

    \dot\rho = -i[\chi J_z^2, \rho]
               + \Gamma_\downarrow \sum_i \mathcal D[\sigma^-_i]\rho
               + \Gamma_\uparrow \sum_i \mathcal D[\sigma^+_i]\rho
               + \frac{1}{2T_\varphi} \sum_i \mathcal D[\sigma^z_i]\rho,
    \qquad \mathcal D[L]\rho = L\rho L^\dagger - \tfrac12\{L^\dagger L, \rho\},

with ``χ = μ / (2T)`` so that without noise the result is exactly the twist
``T_z(μ) = exp(-i(μ/2)Jz²)``. Here ``σ⁺ = |↑⟩⟨↓|``, ``σz = |↑⟩⟨↑| - |↓⟩⟨↓|``,
``Jk = Σ σk/2``; ``Γ↓`` = ``decay_rate`` (excited population decays as
``e^{-Γ↓ t}``), ``Γ↑`` = ``pumping_rate``, ``1/T_φ`` = ``dephasing_rate``
(a single-atom coherence decays as ``e^{-t/T_φ}`` from dephasing alone).

Dictionary to Foss-Feig et al. (PRA 87, 042101)
-----------------------------------------------
The formulas in this module are derived below from the master equation and
verified against a full master-equation solution; the paper's symbols are
matched to ours through its functions Φ and Ψ, in which the coupling enters
only as ``2J/N`` and the decoherence only through ``Γ_ud``, ``Γ_du`` and the
coherence decay rate ``Γ``.

* Hamiltonian: the paper's Ising model ``H = (1/N) Σ_{i>j} J_ij σz_i σz_j``
  (each pair once; its field term is absent here). For uniform ``J_ij = J``,
  ``Σ_{i<j} σz_i σz_j = 2Jz² - N/2``, so ``H = (2J/N) Jz² - J/2``: the constant
  is irrelevant and **2J/N = χ = μ/(2T)**, i.e. ``J = N μ / (4T)``.
* Spin operators: the paper's ``σ̂^z``, ``σ̂^±`` are ours (``σ⁺`` raises ``|↓⟩`` to
  ``|↑⟩``); time evolves with ``e^{-iHt}`` in both. Its initial state (all spins
  along +x after a π/2 pulse) is our ``|+x⟩``.
* Rates: the paper's Raman rates map as ``Γ_ud = Γ↓`` (``|↑⟩→|↓⟩``, ``decay_rate``)
  and ``Γ_du = Γ↑`` (``|↓⟩→|↑⟩``, ``pumping_rate``), ``Γ_r = Γ_ud + Γ_du``. Its
  elastic (Rayleigh) rate ``Γ_el`` enters only through the single-atom
  coherence decay rate ``Γ = (Γ_r + Γ_el)/2``; matching the pure-dephasing part
  ``Γ_el/2 = 1/T_φ`` gives ``Γ_el = 2 × dephasing_rate``.
* Auxiliary symbols: ``λ = Γ_r/2``, ``γ = (Γ_ud - Γ_du)/4``, ``r = Γ_ud Γ_du``,
  ``s(J) = 2iγ + 2J/N`` and

  .. math::

      \Phi(J,t) = e^{-\lambda t}\left[\cos\!\big(t\sqrt{s^2-r}\big)
                  + \lambda t\,\mathrm{sinc}\big(t\sqrt{s^2-r}\big)\right],\qquad
      \Psi(J,t) = e^{-\lambda t}\,(i s - 2\gamma)\, t\,
                  \mathrm{sinc}\big(t\sqrt{s^2-r}\big),

  ``sinc x = sin x / x``. With uniform coupling every argument ``J_jk`` is
  ``J`` and the per-atom correlators of the paper become

  ``⟨σ⁺⟩ = ½ e^{-Γt} Φ(J)^{N-1}``,
  ``⟨σ⁺_1 σ⁺_2⟩ = ¼ e^{-2Γt} Φ(2J)^{N-2}``,
  ``⟨σ⁺_1 σ⁻_2⟩ = ¼ e^{-2Γt} Φ(0)^{N-2} = ¼ e^{-2Γt}``,
  ``⟨σ⁺_1 σz_2⟩ = ½ e^{-Γt} Ψ(J) Φ(J)^{N-2}``,

  while ``⟨σz⟩ = σ∞ (1 - e^{-Γ_r t})`` with ``σ∞ = (Γ_du - Γ_ud)/Γ_r`` and
  ``⟨σz_1 σz_2⟩ = ⟨σz⟩²`` follow from the single-atom rate equations, which the
  Ising term does not touch.

Derivation (why the product form holds)
---------------------------------------
Expand ρ in the product basis ``|a⟩⟨b|`` of σz eigenstates. The twist only
multiplies ``|a⟩⟨b|`` by ``exp(-i(E_a - E_b)dt)``; the dissipators act site by
site and never turn a local coherence ``|↓⟩⟨↑|`` into a population. To get
``⟨σ⁺_1⟩ = Tr[σ⁺_1 ρ]`` atom 1 must end (hence have been all along) in
``|↓⟩⟨↑|``, and every other atom must end on the diagonal, hence have been on
the diagonal all along: atom k then performs a classical two-state Markov
jump process ``s_k(t) ∈ {+1, -1}`` (↑→↓ at rate Γ↓, ↓→↑ at rate Γ↑),
independently of the others, starting from ``P(↑) = ½``. With
``E_a - E_b = -χ Σ_{k≠1} s_k`` (only the pairs containing atom 1 survive),
the coherence of atom 1 is multiplied by ``Π_k exp(iχ ∫₀ᵗ s_k dt')`` and by
its own decay ``e^{-Γt}``, so

.. math::

    \langle\sigma^+_1(t)\rangle = \tfrac12 e^{-\Gamma t}\, G(\chi, t)^{N-1},\qquad
    G(\theta, t) = \mathbb E\!\left[e^{i\theta\int_0^t s(t')dt'}\right]
                 = \mathbf 1^{\mathsf T} e^{(Q + i\theta S)t}\, p_0,

with ``Q = [[-Γ↓, Γ↑], [Γ↓, -Γ↑]]`` the rate matrix on (↑, ↓),
``S = diag(1, -1)``, ``p_0 = (½, ½)``. The 2×2 exponential in closed form is
``G = e^{-λt}[cosh(wt) + λt·sinh(wt)/(wt)]`` with
``w² = (iθ - 2γ)² + r = r - s²`` for ``s = θ + 2iγ``, i.e. exactly the paper's
``Φ`` at ``2J/N = θ``. Two atoms in ``|↓⟩⟨↑|`` see ``θ = 2χ`` (``Φ(2J)``); one in
``|↓⟩⟨↑|`` and one in ``|↑⟩⟨↓|`` see opposite phases that cancel (``Φ(0) = 1``);
``⟨σ⁺_1 σz_2⟩`` weights atom 2's path by its final value,
``E[s(t) e^{iθ∫s}] = (1, -1) e^{(Q+iθS)t} p_0 = e^{-λt}(iθ - 4γ) t·sinh(wt)/(wt)``,
which is the paper's ``Ψ``.

Collective moments follow from permutation symmetry:
``⟨Jx⟩ + i⟨Jy⟩ = N⟨σ⁺⟩``, ``⟨Jz⟩ = N⟨σz⟩/2`` and, for the symmetrised second
moments, ``⟨(JaJb + JbJa)/2⟩ = N δ_ab / 4 + N(N-1) ⟨σa_1 σb_2⟩ / 4``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import QClockError, check_atoms, check_finite, check_finite_array

__all__ = ["OATMoments", "oat_moments", "wineland_squeezing"]


@dataclass(frozen=True)
class OATMoments:
    """First and second moments of the collective spin after a noisy one-axis twist.

    Produced by :func:`oat_moments`; the arrays are stored read-only.

    Parameters
    ----------
    atoms : int
        Number of atoms N.
    twist : float
        Twisting strength μ (rad): the noiseless evolution is ``exp(-i(μ/2)Jz²)``.
    duration : float
        Time over which the twist acts (units of Z, or s; the inverse unit of
        the rates).
    decay_rate, dephasing_rate, pumping_rate : float
        Local rates during the twist (1/time unit of ``duration``); see
        :func:`oat_moments`.
    mean : array_like of shape (3,)
        ``(⟨Jx⟩, ⟨Jy⟩, ⟨Jz⟩)``.
    covariance : array_like of shape (3, 3)
        Symmetrised covariance ``⟨(JaJb + JbJa)/2⟩ - ⟨Ja⟩⟨Jb⟩``.
    """

    atoms: int
    twist: float
    duration: float
    decay_rate: float
    dephasing_rate: float
    pumping_rate: float
    mean: np.ndarray
    covariance: np.ndarray

    def __post_init__(self) -> None:
        mean = np.array(self.mean, dtype=float).reshape(3)
        covariance = np.array(self.covariance, dtype=float).reshape(3, 3)
        mean.setflags(write=False)
        covariance.setflags(write=False)
        object.__setattr__(self, "mean", mean)
        object.__setattr__(self, "covariance", covariance)

    @property
    def second_moments(self) -> np.ndarray:
        """Symmetrised, non-centred second moments ``⟨(JaJb + JbJa)/2⟩`` (3×3)."""
        return self.covariance + np.outer(self.mean, self.mean)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form of the moments.

        Returns
        -------
        dict
            JSON-ready: the fields by name, the arrays as nested lists of floats.
        """
        return {
            "atoms": self.atoms, "twist": self.twist, "duration": self.duration,
            "decay_rate": self.decay_rate, "dephasing_rate": self.dephasing_rate,
            "pumping_rate": self.pumping_rate,
            "mean": self.mean.tolist(), "covariance": self.covariance.tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OATMoments:
        """Rebuild from :meth:`to_dict` output (values are re-validated).

        Parameters
        ----------
        data : dict
            Mapping with the keys of :meth:`to_dict`.

        Returns
        -------
        OATMoments
            The moments described by ``data``.

        Raises
        ------
        TypeError
            If ``data`` is not a dict or a value has the wrong type.
        QClockError
            If a key is missing or a value is not finite or has the wrong shape.
        """
        if not isinstance(data, dict):
            raise TypeError(f"data must be a dict from OATMoments.to_dict(), got {type(data).__name__}")
        missing = [key for key in ("atoms", "twist", "duration", "decay_rate", "dephasing_rate",
                                   "pumping_rate", "mean", "covariance") if key not in data]
        if missing:
            raise QClockError(f"OATMoments data lacks the keys {missing}")
        mean, covariance = _check_moment_arrays(data["mean"], data["covariance"])
        return cls(
            atoms=check_atoms(data["atoms"]),
            twist=check_finite(data["twist"], "twist"),
            duration=check_finite(data["duration"], "duration"),
            decay_rate=check_finite(data["decay_rate"], "decay_rate"),
            dephasing_rate=check_finite(data["dephasing_rate"], "dephasing_rate"),
            pumping_rate=check_finite(data["pumping_rate"], "pumping_rate"),
            mean=mean,
            covariance=covariance,
        )


def _check_moment_arrays(mean, covariance, prefix: str = "") -> tuple[np.ndarray, np.ndarray]:
    """A finite mean (3,) and covariance (3, 3), or a QClockError naming the argument."""
    mean = check_finite_array(mean, prefix + "mean", ndim=1, length=3)
    covariance = check_finite_array(covariance, prefix + "covariance", ndim=2, length=3)
    if covariance.shape != (3, 3):
        raise QClockError(f"{prefix}covariance must have shape (3, 3), got {covariance.shape}")
    return mean, covariance


def _check_rate(value, name: str) -> float:
    value = check_finite(value, name)
    if value < 0:
        raise QClockError(f"{name} must be a finite rate >= 0 (1/time unit of duration), got {value}")
    return value


def _damped_cosh_sinhc(w: complex, damping: float) -> tuple[complex, complex]:
    """``(e^{-damping} cosh w, e^{-damping} sinh(w)/w)`` without overflow or cancellation.

    ``Re w <= damping`` holds for every argument used here (the generating
    function of a bounded process has modulus <= 1), so the exponentials stay
    bounded.
    """
    if w.real < 0:  # both functions are even in w
        w = -w
    grow = np.exp(w - damping)
    shrink = np.exp(-w - damping)
    cosh = 0.5 * (grow + shrink)
    if abs(w) > 0.1:
        return cosh, (grow - shrink) / (2.0 * w)
    w2 = w * w  # Taylor series of sinh(w)/w to w^12: error < 1e-16 for |w| <= 0.1
    series = 1.0
    term = 1.0
    for k in range(1, 7):
        term *= w2 / ((2 * k) * (2 * k + 1))
        series += term
    return cosh, np.exp(-damping) * series


def _phi_psi(theta: float, time: float, decay: float, pumping: float) -> tuple[complex, complex]:
    """Foss-Feig et al.'s ``Φ`` and ``Ψ`` at ``2J/N = theta`` (rad/time), for P(↑) = ½ at t = 0.

    ``Φ = E[exp(iθ∫s)]`` and ``Ψ = E[s(t) exp(iθ∫s)]`` for the two-state jump
    process of one atom's σz value (module docstring).
    """
    lam = 0.5 * (decay + pumping)
    gamma = 0.25 * (decay - pumping)
    s = theta + 2j * gamma
    w = np.sqrt(complex(decay * pumping - s * s)) * time
    cosh, sinhc = _damped_cosh_sinhc(complex(w), lam * time)
    phi = cosh + lam * time * sinhc
    psi = (1j * s - 2.0 * gamma) * time * sinhc
    return complex(phi), complex(psi)


def oat_moments(atoms: int, twist: float, duration: float, *, decay_rate: float = 0.0,
                dephasing_rate: float = 0.0, pumping_rate: float = 0.0) -> OATMoments:
    """Exact collective-spin moments of one-axis twisting under local decay, pumping and dephasing.

    The state is ``|+x⟩ = Ry(-π/2)|↓…↓⟩`` evolved for ``duration`` under
    ``H = (twist / (2 duration)) Jz²`` plus the single-atom Lindblad terms
    ``√Γ↓ σ⁻`` (decay), ``√Γ↑ σ⁺`` (pumping) and ``√(1/(2T_φ)) σz`` (dephasing).
    The result is the closed-form solution of Foss-Feig, Hazzard, Bollinger &
    Rey, Phys. Rev. A 87, 042101 (2013), for uniform all-to-all coupling; the
    module docstring maps the paper's symbols (``J``, ``Γ_ud``, ``Γ_du``,
    ``Γ_el``, ``Φ``, ``Ψ``) onto these arguments and derives the formulas.
    Cost is O(1) in N.

    Parameters
    ----------
    atoms : int
        Number of atoms N >= 1.
    twist : float
        Twisting strength μ (rad); without noise the evolution is exactly
        ``T_z(μ) = exp(-i(μ/2)Jz²)`` (Kitagawa–Ueda, μ = 2χt).
    duration : float
        Length of the twist (> 0), in the time unit of the rates.
    decay_rate : float, optional
        Γ↓ >= 0 (1/time): ``|↑⟩→|↓⟩``, excited population decays as ``e^{-Γ↓ t}``.
        The paper's ``Γ_ud``.
    dephasing_rate : float, optional
        1/T_φ >= 0 (1/time): a coherence decays as ``e^{-t/T_φ}`` from dephasing
        alone. The paper's ``Γ_el / 2``.
    pumping_rate : float, optional
        Γ↑ >= 0 (1/time): ``|↓⟩→|↑⟩``. The paper's ``Γ_du``.

    Returns
    -------
    OATMoments
        Mean spin vector and symmetrised covariance matrix.

    Raises
    ------
    TypeError
        If an argument is not a number (or ``atoms`` not an integer).
    QClockError
        If ``atoms < 1``, ``duration <= 0``, a rate is negative, or a value is
        not finite.
    """
    atoms = check_atoms(atoms)
    twist = check_finite(twist, "twist")
    duration = check_finite(duration, "duration")
    if duration <= 0:
        raise QClockError(
            f"duration must be > 0 (the twist acts as H = (twist/(2 duration)) Jz² over this time), "
            f"got {duration}")
    decay = _check_rate(decay_rate, "decay_rate")
    dephasing = _check_rate(dephasing_rate, "dephasing_rate")
    pumping = _check_rate(pumping_rate, "pumping_rate")

    t = duration
    chi = twist / (2.0 * duration)  # = 2J/N of the paper
    raman = decay + pumping
    coherence = np.exp(-(0.5 * raman + dephasing) * t)  # e^{-Γt}, Γ = (Γ_r + Γ_el)/2
    sz = (pumping - decay) / raman * -np.expm1(-raman * t) if raman > 0 else 0.0

    phi1, psi1 = _phi_psi(chi, t, decay, pumping)
    plus = 0.5 * coherence * phi1 ** (atoms - 1)  # ⟨σ⁺⟩ per atom
    mean = np.array([atoms * plus.real, atoms * plus.imag, 0.5 * atoms * sz])

    pair = np.zeros((3, 3))  # ⟨σa_1 σb_2⟩, two distinct atoms
    if atoms >= 2:
        phi2, _ = _phi_psi(2.0 * chi, t, decay, pumping)
        plus_plus = 0.25 * coherence**2 * phi2 ** (atoms - 2)
        plus_minus = 0.25 * coherence**2  # real: the two atoms' Ising phases cancel
        plus_z = 0.5 * coherence * psi1 * phi1 ** (atoms - 2)
        pair[0, 0] = 2.0 * plus_plus.real + 2.0 * plus_minus
        pair[1, 1] = -2.0 * plus_plus.real + 2.0 * plus_minus
        pair[0, 1] = pair[1, 0] = 2.0 * plus_plus.imag
        pair[0, 2] = pair[2, 0] = 2.0 * plus_z.real
        pair[1, 2] = pair[2, 1] = 2.0 * plus_z.imag
        pair[2, 2] = sz * sz
    second = 0.25 * atoms * np.eye(3) + 0.25 * atoms * (atoms - 1) * pair
    covariance = second - np.outer(mean, mean)
    return OATMoments(atoms=atoms, twist=twist, duration=duration, decay_rate=decay,
                      dephasing_rate=dephasing, pumping_rate=pumping, mean=mean,
                      covariance=covariance)


def wineland_squeezing(moments, atoms: int) -> float:
    """Wineland squeezing parameter ``ξ² = N min_{n ⊥ ⟨J⟩} Var(n·J) / |⟨J⟩|²``.

    Wineland, Bollinger, Itano & Heinzen, Phys. Rev. A 50, 67 (1994): ξ² < 1
    means a Ramsey phase resolution beyond the standard quantum limit.

    Parameters
    ----------
    moments : OATMoments
        Or any object with ``mean`` (3,) and symmetrised ``covariance`` (3, 3)
        of the collective spin (and optionally ``atoms``).
    atoms : int
        Number of atoms N; must equal ``moments.atoms`` when that exists.

    Returns
    -------
    float
        ξ² (dimensionless; 1 for a coherent spin state).

    Raises
    ------
    TypeError
        If ``moments`` has no ``mean``/``covariance``.
    QClockError
        If ``atoms`` disagrees with ``moments.atoms``, the arrays have the wrong
        shape or are not finite, or the mean spin is zero (ξ² undefined) or so
        small that ξ² overflows. A tiny but resolved mean gives a large finite ξ²:
        the analytic moments carry full relative precision there, whereas moments
        summed from a state vector have an absolute error ~1e-15·N² that the
        caller must judge.
    """
    atoms = check_atoms(atoms)
    if not (hasattr(moments, "mean") and hasattr(moments, "covariance")):
        raise TypeError(f"moments must have 'mean' and 'covariance' (e.g. OATMoments), got "
                        f"{type(moments).__name__}")
    own = getattr(moments, "atoms", None)
    if own is not None and int(own) != atoms:
        raise QClockError(f"atoms must match moments.atoms = {own}, got {atoms}")
    mean, covariance = _check_moment_arrays(moments.mean, moments.covariance, "moments.")
    length = float(np.linalg.norm(mean))
    if not length > 0:
        raise QClockError("the mean spin ⟨J⟩ is zero (to double precision); the squeezing parameter "
                          "is undefined")
    unit = mean / length
    helper = np.eye(3)[int(np.argmin(np.abs(unit)))]  # axis least aligned with ⟨J⟩
    first = np.cross(unit, helper)
    first /= np.linalg.norm(first)
    plane = np.column_stack([first, np.cross(unit, first)])
    symmetric = 0.5 * (covariance + covariance.T)
    variance = float(np.linalg.eigvalsh(plane.T @ symmetric @ plane)[0])
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        xi2 = np.float64(atoms) * variance / np.float64(length) ** 2
    if not np.isfinite(xi2):
        raise QClockError(f"the mean spin |⟨J⟩| = {length:.3g} is too small for a finite squeezing "
                          f"parameter (variance {variance:.3g})")
    return float(xi2)
