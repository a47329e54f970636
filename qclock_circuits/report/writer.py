"""Write a design study to a directory: report.md, results.json, figures and circuits.

Files (all in ``out``):

* ``report.md`` — the table of σ_min, T_min, gain over CSS and distance to
  the OQI for every class, the dead-time limits, the closed-loop check and
  the recommendation, in physical units where the coherence time is known;
* ``results.json`` — every number (:meth:`DesignResult.to_dict`);
* ``stability.png`` — σ(T) of all classes with the OQI;
* ``signal.png`` — Ramsey signal and estimator of the recommended protocol;
* ``recommended.qasm`` — its circuit in OpenQASM 3 (the phase ``phi`` an input);
* ``recommended_ion_trap.qasm`` — the same in the native trapped-ion form:
  one global Mølmer–Sørensen pulse per one-axis twist, global R pulses and
  virtual RZ (its pairwise-RXX cost is reported beside it).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from .._validation import QClockError
from ..runtime.store import write_atomic
from .design import DesignResult
from .figures import signal_figure, stability_figure

__all__ = ["write_design", "render_report"]


def _fmt(value, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and not math.isfinite(value):
        return "∞"
    return f"{value:.{digits}g}"


def _label(name: str) -> str:
    return name.upper() if "-" not in name else f"[{name.replace('-', ',')}]"


def render_report(result: DesignResult, files: dict) -> str:
    """The Markdown text of ``report.md``.

    Parameters
    ----------
    result : DesignResult
        The finished study.
    files : dict
        Role → file name, as returned by :func:`write_design`.

    Returns
    -------
    str
        The report (platform, σ_min table, recommendation, limits; units
        stated with every number).
    """
    spec = result.spec
    physical = spec.coherence_time is not None
    lines = [f"# Clock design study: N = {spec.atoms} atoms", ""]
    platform = [f"- noise of the laser: {spec.noise.replace('_', '-')} frequency noise, level set by the coherence "
                f"time Z (Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. 30)"]
    if physical:
        platform.append(f"- laser coherence time Z = {spec.coherence_time:g} s")
    dead = f"- dead time T_D = {spec.dead_time:g} Z"
    if physical:
        dead += f" = {spec.dead_time * spec.coherence_time:g} s"
    platform.append(dead)
    if spec.transition_frequency is not None:
        platform.append(f"- transition frequency ν0 = {spec.transition_frequency:.6g} Hz")
    if spec.decoherence is not None:
        atoms = spec.decoherence
        unit = "Z"
        scale = spec.coherence_time if physical else None

        def timed(value):
            if not math.isfinite(value):
                return "∞"
            return f"{value:.4g} Z" + (f" = {value * scale:.4g} s" if scale else "")

        def rate(value):
            return f"{value:.4g} /Z" + (f" = {value / scale:.4g} /s" if scale else "")

        text = f"- atoms: T1 = {timed(atoms.t1)}, T2 = {timed(atoms.t2)}"
        text += f", detection errors P(1|0) = {atoms.readout_error[0]:g}, P(0|1) = {atoms.readout_error[1]:g}"
        if atoms.twisting_rate is not None:
            text += f", twisting rate χ = {rate(atoms.twisting_rate)} (a twist μ lasts |μ|/2χ)"
        if atoms.twist_duration is not None:
            text += f", every twist lasts {timed(atoms.twist_duration)}"
        if atoms.twist_decay_rate:
            text += f", extra decay {rate(atoms.twist_decay_rate)} while twisting"
        if atoms.twist_dephasing_rate:
            text += f", extra dephasing {rate(atoms.twist_dephasing_rate)} while twisting"
        platform.append(text + f" (unit {unit})")
    platform.append(f"- estimator: {spec.estimator}; interrogation times T/Z from "
                    f"{spec.interrogation_times[0]:g} to {spec.interrogation_times[-1]:g} "
                    f"({len(spec.interrogation_times)} points)")
    lines += ["## Platform", "", *platform, ""]

    recommendation = result.recommendation()
    lines += ["## Recommendation", ""]
    rec_time = recommendation["interrogation_time"]
    text = (f"Run **{_label(recommendation['class'])}** at T = {rec_time:.3g} Z"
            + (f" ({rec_time * spec.coherence_time:.3g} s)" if physical else "")
            + f": σ = {recommendation['sigma']:.3g} (basis: {recommendation['basis']}).")
    lines += [text, ""]
    for warning in recommendation.get("warnings", []):
        lines += [f"**Warning:** {warning}.", ""]
    if not result.validation:
        lines += ["Not checked in the closed loop: fringe hops can make the theoretical optimum unusable "
                  "(Kielinski & Hammerer Fig. 4, appendix A5C); run the study again with `--simulate` to keep only "
                  "points that run without hops.", ""]
    physical_rec = result.physical(recommendation["sigma"], rec_time)
    if "sigma_y_1s" in physical_rec:
        lines += [f"Expected fractional instability σ_y(τ) ≈ {physical_rec['sigma_y_1s']:.3g} / √(τ/s).", ""]
    lines += [f"Circuit: `{files['qasm']}` (OpenQASM 3, the dark-time phase `phi` is an input), "
              f"`{files['qasm_ion_trap']}` (native trapped-ion form: "
              f"{files['ion_trap']['entangling_gates']} global Mølmer–Sørensen pulses, depth "
              f"{files['ion_trap']['depth']}; with pairwise RXX gates it would need "
              f"{files['ion_trap_rxx']['two_qubit_gates']} two-qubit gates at depth "
              f"{files['ion_trap_rxx']['depth']}).", ""]

    lines += ["## Stability of every protocol", "",
              "σ is the dimensionless Allan deviation σ_y(τ)·ω0·√(τZ) (Kielinski & Hammerer eq. 29"
              + (", with the Dick effect of eq. 40 added as in eq. 41" if spec.dead_time > 0 else "")
              + "); gain over CSS = σ_min(CSS)/σ_min; distance to the OQI = σ_min/σ_min(OQI).", ""]
    header = "| protocol | σ_min | T_min / Z |"
    if physical:
        header += " T_min (s) |"
    if spec.transition_frequency is not None and physical:
        header += " σ_y(1 s) |"
    header += " gain over CSS | σ_min / σ_OQI |"
    if result.validation:
        header += " closed loop σ (T/Z) |"
    lines += [header, "|" + "---|" * (header.count("|") - 1)]
    for row in result.summary():
        cells = [_label(row["class"]) + (" (bound)" if row["class"] == "oqi" else ""), _fmt(row["sigma_min"]),
                 _fmt(row["t_min"])]
        if physical:
            cells.append(_fmt(row.get("t_min_seconds")))
        if spec.transition_frequency is not None and physical:
            cells.append(_fmt(row.get("sigma_y_1s")))
        cells += [_fmt(row["gain_over_css"]), _fmt(row["ratio_to_oqi"])]
        if result.validation:
            if row["class"] == "oqi":
                cells.append("–")
            elif result.validation.get(row["class"], {}).get("skipped"):
                cells.append("not run: no information at any T")
            elif row.get("simulated_sigma") is None:
                cells.append("fringe hops at every tried T")
            else:
                cells.append(f"{row['simulated_sigma']:.3g} ± {row['simulated_error']:.2g} "
                             f"({row['simulated_t']:.3g})")
        lines.append("| " + " | ".join(cells) + " |")
    for row in result.summary():
        if row.get("note"):
            lines += ["", f"{_label(row['class'])}: {row['note']}."]
    lines += ["", f"![σ(T)]({files['stability']})", ""]

    summary = result.decoherence_summary()
    if summary is not None:
        lines += ["## Ideal against decohering atoms", "",
                  "Every class evaluated and optimised exactly under the atoms' decoherence (permutation-invariant "
                  "engine; the optimum under noise is a different circuit) and for ideal atoms. The OQI above is "
                  "the bound of ideal atoms.", "",
                  "| protocol | σ_min ideal | T_min / Z ideal | σ_min noisy | T_min / Z noisy | noisy / ideal |",
                  "|---|---|---|---|---|---|"]
        for row in summary["rows"]:
            lines.append(f"| {_label(row['class'])} | {_fmt(row['sigma_ideal'])} | {_fmt(row['t_ideal'])} | "
                         f"{_fmt(row['sigma_noisy'])} | {_fmt(row['t_noisy'])} | {_fmt(row['cost'])} |")
        verdict = f"Under the stated decoherence **{_label(summary['winner_noisy'])}** wins"
        verdict += ("; with ideal atoms it would too." if summary["winner_noisy"] == summary["winner_ideal"]
                    else f"; with ideal atoms {_label(summary['winner_ideal'])} would.")
        lines += ["", verdict, ""]
        if summary["advantage"]:
            lines += ["Squeezing advantage against the atom number (noise-aware SSS against CSS, σ_min over "
                      "7 interrogation times across the scanned range; kept = share of the ideal advantage "
                      "that survives the noise):", "",
                      "| N | gain ideal atoms | gain with decoherence | kept | SSS T_min / Z |", "|---|---|---|---|---|"]
            for row in summary["advantage"]:
                kept = (row["gain"] - 1) / (row["gain_ideal"] - 1) if row["gain_ideal"] > 1 else float("nan")
                lines.append(f"| {row['atoms']} | {row['gain_ideal']:.3f} | {row['gain']:.3f} | {_fmt(kept, 2)} | "
                             f"{row['t_min']:.3g} |")
            threshold = summary["advantage_threshold"]
            last = summary["advantage"][-1]
            if summary["advantage_vanishes_at"] is not None:
                lines += ["", f"The squeezing gain peaks at N = {summary['advantage_peak_atoms']} and falls below "
                              f"{1 + threshold:.2f} at **N = {summary['advantage_vanishes_at']}**: beyond it the "
                              "squeezed clock no longer beats the CSS on these atoms.", ""]
            elif summary["advantage_peak_atoms"] == last["atoms"]:
                lines += ["", f"The squeezing gain still grows at the largest N computed (N = {last['atoms']}, gain "
                              f"{last['gain']:.3f}): the advantage does not disappear in this range.", ""]
            else:
                lines += ["", f"The squeezing gain peaks at N = {summary['advantage_peak_atoms']} and is "
                              f"{last['gain']:.3f} at N = {last['atoms']}; it stays above {1 + threshold:.2f} in "
                              "this range.", ""]

    if result.limits:
        lines += ["## Dead-time limits (Kielinski & Hammerer Fig. 6)", "",
                  "σ_lim: the best stability any ensemble size can reach with this dead time (coherence-time limit "
                  "against the Dick effect); N_crit: the ensemble size beyond which the Dick effect dominates.", "",
                  "| protocol | σ_lim | T_lim / Z | N_crit |", "|---|---|---|---|"]
        for key, value in result.limits.items():
            limit = value["limit"]
            n_crit = value["n_crit"] if value["n_crit"] is not None else f"> {value['max_atoms']}"
            lines.append(f"| {_label(limit['kind'])} ({limit['estimator']}) | {limit['sigma_lim']:.3g} | "
                         f"{limit['interrogation_time']:.3g} | {n_crit} |")
        regime = "QPN-limited" if all(v["n_crit"] is None or v["n_crit"] > spec.atoms
                                      for v in result.limits.values()) else "Dick-limited"
        lines += ["", f"With N = {spec.atoms} this platform is **{regime}**.", ""]

    if result.validation:
        lines += ["## Closed-loop check (Kielinski & Hammerer appendix A5C)", "",
                  f"Each candidate: {spec.simulation_runs} runs × {spec.simulation_cycles} cycles, integrator servo, "
                  "estimator built for the model prior width; a candidate is rejected when any run fringe-hops "
                  "or loses lock."
                  + (f" Safety margin: the protocol is taken {spec.safety_margin} grid step(s) below the longest T "
                     "without hops." if spec.safety_margin else ""), "", "| protocol | T / Z | local minimum | theory σ | simulated σ | runs with hops |",
                  "|---|---|---|---|---|---|"]
        for name, check in result.validation.items():
            for entry in check["tried"]:
                lines.append(f"| {_label(name)} | {entry['interrogation_time']:.3g} | "
                             f"{'–' if entry['minimum'] is None else entry['minimum']} | "
                             f"{_fmt(entry['theory_sigma'])} | {entry['sigma_scaled']:.3g} ± "
                             f"{entry['sigma_scaled_error']:.2g} | {entry['runs_with_hops']}/{entry['runs']} |")
        lines.append("")
    lines += ["## Signal and estimator of the recommended protocol", "", f"![signal]({files['signal']})", "",
              f"All numbers: `{files['results']}`. Computed in {result.seconds:.0f} s.", ""]
    return "\n".join(lines)


def write_design(result: DesignResult, out: str | os.PathLike) -> dict:
    """Write every file of a design study into ``out`` (created if needed); returns the file names.

    Parameters
    ----------
    result : DesignResult
        The finished study.
    out : str or os.PathLike
        Output directory.

    Returns
    -------
    dict
        Role → file name in ``out`` (``report``, ``results``, ``stability``,
        ``signal``, ``qasm``, ``qasm_ion_trap``), plus ``ion_trap``: the
        transpiled circuit's summary.

    Raises
    ------
    QClockError
        If ``out`` is an existing file.
    """
    from ..bayes import prior_width
    from ..circuits import to_qasm3, transpile_for
    from ..protocols import RamseyProtocol

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise QClockError(f"out must be a directory, got the file {str(out)!r}")
    out.mkdir(parents=True, exist_ok=True)
    files = {"report": "report.md", "results": "results.json", "stability": "stability.png",
             "signal": "signal.png", "qasm": "recommended.qasm", "qasm_ion_trap": "recommended_ion_trap.qasm"}
    recommendation = result.recommendation()
    protocol = RamseyProtocol.from_dict(recommendation["protocol"])
    spec = result.spec
    width = prior_width(recommendation["interrogation_time"], spec.noise, spec.dead_time)
    for name, draw in (("stability", lambda path: stability_figure(result, path)),
                       ("signal", lambda path: signal_figure(protocol, width, spec.estimator, path))):
        temporary = out / f".{files[name]}.partial.png"  # figures too appear whole or not at all
        draw(temporary)
        os.replace(temporary, out / files[name])
    circuit = protocol.to_circuit()
    write_atomic(out / files["qasm"], to_qasm3(circuit))
    compiled = transpile_for(circuit, "ion_trap", optimization_level=2, seed=spec.seed)
    write_atomic(out / files["qasm_ion_trap"], to_qasm3(compiled.circuit))
    files["ion_trap"] = compiled.to_dict()
    files["ion_trap_rxx"] = transpile_for(circuit, "ion_trap_rxx", optimization_level=2, seed=spec.seed).to_dict()
    data = result.to_dict()
    data["files"] = files
    write_atomic(out / files["results"], json.dumps(data, indent=1, allow_nan=True))
    write_atomic(out / files["report"], render_report(result, files))
    return files
