"""Every bad input found by trying the package as a new user would: each gives a clear error naming the argument.

One table for the library (exception type and message) and one for the command line (exit code and the one-line
message), so that a regression in any of them shows up by name.
"""

import math
import warnings
from pathlib import Path

import pytest

from qclock_circuits import bayes, protocols
from qclock_circuits.bayes import bounds
from qclock_circuits.bayes.estimators import EstimatorWarning
from qclock_circuits.cli.main import main
from qclock_circuits.clock.simulate import simulate_clock, simulate_clocks
from qclock_circuits.network import load_topology, star_network
from qclock_circuits.report import DesignSpec

NETWORKS = Path(__file__).resolve().parent.parent / "networks"


@pytest.mark.parametrize("call, error, message", [
    (lambda: protocols.css(4).probabilities([1j]), TypeError, "phi must hold real numbers"),
    (lambda: bayes.bmse(None, bayes.GaussianPrior(0.1)), TypeError, "protocol must be a RamseyProtocol"),
    (lambda: bayes.GaussianPrior(1e300), ValueError, r"width must be a finite number in \(0, 1e\+06\]"),
    (lambda: simulate_clock(protocols.css(2), 0.1, cycles=100, seed=-1), ValueError,
     "seed must be None, an integer >= 0"),
    (lambda: simulate_clock(protocols.css(2), 0.1, cycles=10**12), ValueError, "cycles must be <= 1e\\+10"),
    (lambda: simulate_clock(protocols.css(2), 0.1, cycles=100, min_tau=-1), ValueError, "min_tau must be > 0"),
    (lambda: simulate_clocks(protocols.css(2), runs=2, workers=0, interrogation_time=0.1, cycles=100), ValueError,
     "workers must be an integer >= 1, got 0"),
    (lambda: load_topology(None), TypeError, "path must be the GraphML file's path"),
    (lambda: star_network(10**7), ValueError, "leaves must be <= 100000"),
    (lambda: protocols.variational(4, 10**6, 1), ValueError, "n must be <= 64 layers"),
    (lambda: DesignSpec(atoms=2, seed=-1), ValueError, "seed must be an integer >= 0, got -1"),
    (lambda: DesignSpec(atoms=2, interrogation_times=(0.1,)), ValueError, "at least two increasing values"),
    (lambda: DesignSpec(atoms=2, transition_frequency=1e15), ValueError, "transition_frequency needs coherence_time"),
    (lambda: bounds.oqi(2, bayes.GaussianPrior(0.3), max_iterations=-1), ValueError,
     "max_iterations must be an integer >= 1"),
    (lambda: bounds.oqi(2, bayes.GaussianPrior(0.3), tolerance=math.nan), ValueError, "tolerance must be a finite"),
    (lambda: protocols.css(10**8).probabilities([0.1]), ValueError, "the largest N supported here is"),
])
def test_library_refuses_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_an_estimator_worse_than_not_measuring_is_flagged():
    """The arcsin estimator at a very narrow prior: BMSE 0.053 rad² against δφ² = 1e-16 rad²."""
    with pytest.warns(EstimatorWarning, match="does worse than not measuring"):
        value = bayes.bmse(protocols.sss(20, 0.0), bayes.GaussianPrior(1e-8), "arcsin")
    assert value > 1e-16
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the Bayes estimator never does worse than its prior
        assert bayes.bmse(protocols.sss(20, 0.0), bayes.GaussianPrior(1e-8)) <= 1e-16 * (1 + 1e-9)


STAR = str(NETWORKS / "star-4.graphml")


@pytest.mark.parametrize("argv, code, message", [
    (["network", "--topology", STAR, "--interrogation-time", "-1"], 2,
     "--interrogation-time only applies with --simulate"),
    (["network", "--topology", STAR, "--strategy", "independent"], 2, "--strategy only applies with --simulate"),
    (["network", "--topology", STAR, "--shots", "0", "--simulate", "--interrogation-time", "-1"], 2,
     "--interrogation-time must be a finite number > 0"),
    (["design", "--atoms", "2", "--transition-frequency", "1e15", "--out", "{tmp}/d"], 2,
     "--transition-frequency needs --coherence-time"),
    (["bounds", "--atoms", "100000", "--prior-width", "0.1"], 2, "the largest N supported here is"),
    (["protocol", "show", "--protocol", "css", "--atoms", "100000000"], 2, "the largest N supported here is"),
    (["protocol", "circuit", "--protocol", "css", "--atoms", "2", "--out", "{tmp}/existing.txt"], 1, "give --force to replace it"),
    (["protocol", "circuit", "--protocol", "css", "--atoms", "2", "--out", "{tmp}"], 1, "is a directory"),
])
def test_command_line_refuses_bad_input(tmp_path, capsys, argv, code, message):
    (tmp_path / "existing.txt").write_text("keep me")
    argv = [item.replace("{tmp}", str(tmp_path)) for item in argv]
    assert main(argv) == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("qclock: error: ") and message in err, err
    assert (tmp_path / "existing.txt").read_text() == "keep me"


def test_circuit_out_with_force_replaces_atomically(tmp_path, capsys):
    target = tmp_path / "existing.txt"
    target.write_text("old")
    assert main(["protocol", "circuit", "--protocol", "css", "--atoms", "2", "--out", str(target), "--force"]) == 0
    assert target.read_text().startswith("OPENQASM 3")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing.txt"]  # no temporary file left


def test_failed_network_clock_reports_no_number_and_exits_1(tmp_path, capsys):
    """T = 1 s on star-4: the loop cannot hold the LOs (phase slips, cascade errors); no white level is given."""
    out = tmp_path / "net"
    code = main(["network", "--topology", STAR, "--shots", "0", "--simulate", "--cycles", "600",
                 "--interrogation-time", "1", "--strategy", "independent"])
    text = capsys.readouterr().out
    assert code == 1 and "FAILED" in text and "phase slips" in text and "white level" not in text
    assert not out.exists()
