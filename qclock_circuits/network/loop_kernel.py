"""The compiled cycle of the network clock loop (Kómár et al., Nature Physics 10, 582 (2014), eqs. 1–4, appendix C).

Numba kernels that run a block of cycles of the loop described in
:mod:`~qclock_circuits.network.loop` (steps 1–4 there): each node's phase
from its LO, the parity counts of every cascade level drawn at that phase
and turned into an estimate by the tabulated estimators, the network's
cascaded GHZ estimate of the centre-of-mass phase (Kómár et al. appendix A),
each node's best knowledge of its phase, the outputs of the cycle and the
integrating servos of the chosen degree of feedback (appendix C1), with the
corrections still in flight when the feedback is late (appendix C2).

The kernels take flat arrays only; the tables and offsets are built by
:mod:`~qclock_circuits.network.loop_estimates`, the whole run by
:func:`~qclock_circuits.network.loop.simulate_network_clock`.
"""

from __future__ import annotations

import numba
import numpy as np

__all__: list[str] = []


@numba.njit(cache=True)
def _wrap(x):
    return x - 2.0 * np.pi * np.floor((x + np.pi) / (2.0 * np.pi))


@numba.njit(cache=True)
def _read(rng, theta, n_cos, n_sin, contrast, tables, offset):
    """Sample the parity counts of one level at phase ``theta`` and return the tabulated estimate."""
    p_cos = min(max(0.5 * (1.0 + contrast * np.cos(theta)), 0.0), 1.0)
    p_sin = min(max(0.5 * (1.0 + contrast * np.sin(theta)), 0.0), 1.0)
    kc = rng.binomial(n_cos, p_cos) if n_cos > 0 else 0
    ks = rng.binomial(n_sin, p_sin) if n_sin > 0 else 0
    return tables[offset + kc * (n_sin + 1) + ks]


@numba.njit(cache=True)
def _local_estimate(rng, phase, j, contrast0, tables, l0_off, l0_cos, l0_sin, l0_shrink,
                    lv_first, lv_count, lv_off, lv_cos, lv_sin, lv_contrast, base):
    """A node's own cascade (or uncorrelated reading) of its phase; returns (estimate, finest size)."""
    estimate = _read(rng, phase, l0_cos[j], l0_sin[j], contrast0, tables, l0_off[j]) * l0_shrink[j]
    size = base
    for i in range(lv_first[j], lv_first[j] + lv_count[j]):
        theta = _read(rng, size * phase, lv_cos[i], lv_sin[i], lv_contrast[i], tables, lv_off[i])
        estimate += _wrap(theta - size * estimate) / size
        size *= base
    return estimate, size / base if lv_count[j] > 0 else 1.0


@numba.njit(cache=True)
def _network_kernel(rng, ramsey, dead, active, interrogation_time, dead_time, kind, cooperative, feedback,
                    gain, local_gain, local_loop, weights, shares, region_of, gammas, uniform_gamma, ghz_time,
                    tables,
                    n0_off, n0_cos, n0_sin, n0_shrink, nv_off, nv_cos, nv_sin, net_base,
                    l0_off, l0_cos, l0_sin, l0_shrink, lv_first, lv_count, lv_off, lv_cos, lv_sin, lv_contrast,
                    loc_base, correction, com_correction, region_correction, slips, local_errors, local_sq,
                    local_count, totals, out_node, out_com, pending_node, pending_com, pending_region, ring):
    """Run one block of cycles (steps 1–4 of :mod:`~qclock_circuits.network.loop`); state arrays are updated in place.

    ``kind``: 0 network cascade, 1 local cascades, 2 uncorrelated readings;
    ``feedback``: index into :data:`~qclock_circuits.network.loop.FEEDBACK_MODES`; ``totals``: network
    cycles, cascade errors, sum of ``(Φ̂ − Φ)²``. ``gammas``: single-qubit
    linewidth per node; ``ghz_time``: how long the network's GHZ qubits
    dephase (``T`` plus the distribution wait). ``pending_*``: corrections
    issued but not yet applied (feedback delay = their first dimension; the
    servos subtract them, a Smith predictor), ``ring[0]`` the slot of the oldest.
    """
    cycles, nodes = ramsey.shape
    regions = region_correction.shape[0]
    cycle_time = interrogation_time + dead_time
    T = interrogation_time
    contrast0 = np.exp(-0.5 * gammas * T)
    delay = pending_node.shape[0]
    inc_node = np.zeros(nodes)
    inc_region = np.zeros(regions)
    phase = np.empty(nodes)
    local = np.empty(nodes)
    best = np.empty(nodes)
    region_est = np.zeros(regions)
    region_corr_mean = np.zeros(regions)
    region_free = np.zeros(regions)
    region_size = np.zeros(regions)
    levels = nv_off.shape[0]
    for k in range(cycles):
        for j in range(nodes):
            phase[j] = (ramsey[k, j] - correction[j]) * T
            if abs(phase[j]) >= np.pi:
                slips[j] += 1
        # which nodes form the network this cycle
        wsum = 0.0
        csum = 0.0
        gsum = 0.0
        for j in range(nodes):
            if cooperative and active[k, j]:
                wsum += weights[j]
                csum += shares[j]
                gsum += shares[j] * gammas[j]
        # linewidth of one share of a GHZ state: Σ c_j γ_j / Σ c_j (Kómár et al. appendix C3)
        gamma_ghz = gammas[0] if uniform_gamma else (gsum / csum if csum > 0 else 0.0)
        network = cooperative and wsum > 0.0
        com_true = 0.0
        com_coarse = 0.0
        for j in range(nodes):
            in_net = network and active[k, j]
            if in_net and kind == 0:
                # level 0 of the network cascade: this node's uncorrelated qubits
                local[j] = _read(rng, phase[j], n0_cos[j], n0_sin[j], contrast0[j], tables, n0_off[j]) * n0_shrink[j]
            else:
                local[j], finest = _local_estimate(rng, phase[j], j, contrast0[j], tables, l0_off, l0_cos, l0_sin,
                                                   l0_shrink, lv_first, lv_count, lv_off, lv_cos, lv_sin,
                                                   lv_contrast, loc_base)
                error = local[j] - phase[j]
                local_sq[j] += error * error
                local_count[j] += 1
                if abs(error) * finest > np.pi:
                    local_errors[j] += 1
            if in_net:
                com_true += weights[j] * phase[j] / wsum
                com_coarse += weights[j] * local[j] / wsum
        if network:
            estimate = com_coarse
            if kind == 0:
                size = csum
                for i in range(levels):
                    # the GHZ states of the nodes connected now (the tables assume the full network's)
                    contrast = np.exp(-0.5 * gamma_ghz * ghz_time * size)
                    theta = _read(rng, size * com_true, nv_cos[i], nv_sin[i], contrast, tables, nv_off[i])
                    estimate += _wrap(theta - size * estimate) / size
                    size *= net_base
                if levels > 0 and abs(estimate - com_true) * size / net_base > np.pi:
                    totals[1] += 1
            error = estimate - com_true
            totals[0] += 1
            totals[2] += error * error
            for j in range(nodes):
                best[j] = estimate + (phase[j] - com_true) if active[k, j] else local[j]
        else:
            for j in range(nodes):
                best[j] = local[j]
        # outputs of this cycle (before the corrections change)
        com_out = 0.0
        com_corr = 0.0
        com_best = 0.0
        for r in range(regions):
            region_est[r] = 0.0
            region_corr_mean[r] = 0.0
            region_free[r] = 0.0
            region_size[r] = 0.0
        for j in range(nodes):
            free = (T * ramsey[k, j] + dead_time * dead[k, j]) / cycle_time
            out_node[k, j] = free - correction[j]
            com_out += weights[j] * free
            com_corr += weights[j] * correction[j]
            com_best += weights[j] * best[j]
            r = region_of[j]
            if r >= 0:
                region_est[r] += best[j]
                region_corr_mean[r] += correction[j]
                region_free[r] += free
                region_size[r] += 1.0
        out_com[k] = com_out - com_correction[0]
        if feedback == 2:
            for j in range(nodes):
                r = region_of[j]
                if r >= 0:
                    out_node[k, j] = region_free[r] / region_size[r] - region_correction[r]
        # servos
        com_error = com_best + (com_corr - com_correction[0]) * T
        if delay == 0:
            com_correction[0] += gain * com_error / T
            for r in range(regions):
                if region_size[r] > 0:
                    region_error = (region_est[r] + region_corr_mean[r] * T) / region_size[r] \
                        - region_correction[r] * T
                    region_correction[r] += gain * region_error / T
            for j in range(nodes):
                if feedback == 0 or not cooperative:
                    correction[j] += gain * best[j] / T
                elif local_loop:
                    correction[j] += local_gain * local[j] / T
            continue
        # delayed feedback: each servo subtracts what it has issued and not yet seen take effect
        inc_com = gain * com_error / T
        for s in range(delay):
            inc_com -= pending_com[s]
        for r in range(regions):
            inc_region[r] = 0.0
            if region_size[r] > 0:
                region_error = (region_est[r] + region_corr_mean[r] * T) / region_size[r] - region_correction[r] * T
                inc_region[r] = gain * region_error / T
                for s in range(delay):
                    inc_region[r] -= pending_region[s, r]
        for j in range(nodes):
            inc_node[j] = 0.0
            if feedback == 0 or not cooperative:
                inc_node[j] = gain * best[j] / T
            elif local_loop:
                inc_node[j] = local_gain * local[j] / T
            else:
                continue
            for s in range(delay):
                inc_node[j] -= pending_node[s, j]
        oldest = ring[0]
        com_correction[0] += pending_com[oldest]
        pending_com[oldest] = inc_com
        for r in range(regions):
            region_correction[r] += pending_region[oldest, r]
            pending_region[oldest, r] = inc_region[r]
        for j in range(nodes):
            correction[j] += pending_node[oldest, j]
            pending_node[oldest, j] = inc_node[j]
        ring[0] = (oldest + 1) % delay

