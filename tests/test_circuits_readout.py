"""Readout map: bitstrings, count dicts and BitArrays → protocol outcome counts."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.primitives import BitArray, StatevectorSampler
from qiskit.result import Counts

from qclock_circuits import protocols as P
from qclock_circuits.circuits import (
    excitations_from_bitstrings,
    find_bit_array,
    outcome_count_dict,
    outcome_counts,
)


def test_excitations_count_ones_regardless_of_bit_order():
    k = excitations_from_bitstrings(["000", "101", "111", "010", "001", "100"], 3)
    assert k.dtype == np.int64
    assert list(k) == [0, 2, 3, 1, 1, 1]
    assert int(excitations_from_bitstrings("0110", 4)) == 2
    assert excitations_from_bitstrings(np.array([["01", "11"], ["00", "10"]]), 2).tolist() == [[1, 2], [0, 1]]
    assert excitations_from_bitstrings([], 3).shape == (0,)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(alphabet="01", min_size=7, max_size=7), min_size=1, max_size=20))
def test_excitations_match_python_count(bitstrings):
    assert excitations_from_bitstrings(bitstrings, 7).tolist() == [b.count("1") for b in bitstrings]


def test_jz_counts_from_dict():
    protocol = P.css(3)  # outcomes M = -3/2 .. 3/2
    counts = {"000": 5, "011": 2, "110": 3, "111": 1}
    assert outcome_counts(protocol, counts).tolist() == [5, 0, 5, 1]
    assert outcome_counts(protocol, Counts(counts)).tolist() == [5, 0, 5, 1]
    assert outcome_count_dict(protocol, counts) == {-1.5: 5, -0.5: 0, 0.5: 5, 1.5: 1}
    assert outcome_counts(protocol, {}).tolist() == [0, 0, 0, 0]


def test_parity_counts_even_k_is_plus_one():
    protocol = P.ghz(3, readout="parity")
    assert protocol.outcomes.tolist() == [-1.0, 1.0]
    counts = {"000": 4, "011": 3, "001": 2, "111": 1}  # k = 0, 2 even (+1); k = 1, 3 odd (-1)
    assert outcome_counts(protocol, counts).tolist() == [3, 7]
    assert outcome_count_dict(protocol, counts) == {-1.0: 3, 1.0: 7}


def test_phase_readout_counts():
    protocol = P.poi(2)
    assert outcome_counts(protocol, {"00": 1, "10": 2, "01": 3, "11": 4}).tolist() == [1, 5, 4]


def test_bit_array_single_and_sweep():
    protocol = P.css(3)
    shots = ["000", "011", "110", "111", "011"]
    bits = BitArray.from_samples(shots, num_bits=3)
    assert outcome_counts(protocol, bits).tolist() == [1, 0, 3, 1]
    rng = np.random.default_rng(0)
    sweep = rng.integers(0, 2, size=(4, 50, 3)).astype(bool)
    table = outcome_counts(protocol, BitArray.from_bool_array(sweep))
    assert table.shape == (4, 4)
    np.testing.assert_array_equal(table, [np.bincount(row.sum(axis=1), minlength=4) for row in sweep])
    parity = outcome_counts(P.ghz(3), BitArray.from_bool_array(sweep))
    np.testing.assert_array_equal(parity[:, 1], [(row.sum(axis=1) % 2 == 0).sum() for row in sweep])


def test_sampler_pub_result_and_primitive_result():
    qubits, meas = QuantumRegister(2, "q"), ClassicalRegister(2, "meas")
    circuit = QuantumCircuit(qubits, meas)
    circuit.x(0)
    circuit.measure(qubits, meas)
    result = StatevectorSampler(seed=1).run([circuit], shots=10).result()
    protocol = P.css(2)
    expected = [0, 10, 0]
    assert outcome_counts(protocol, result).tolist() == expected
    assert outcome_counts(protocol, result[0]).tolist() == expected
    assert outcome_counts(protocol, result[0].data).tolist() == expected
    assert outcome_counts(protocol, result[0].data.meas.get_counts()).tolist() == expected
    assert find_bit_array(result[0]).num_shots == 10

    other = QuantumCircuit(QuantumRegister(2), ClassicalRegister(1, "a"), ClassicalRegister(1, "b"))
    other.measure([0, 1], [0, 1])
    two = StatevectorSampler().run([other], shots=5).result()
    with pytest.raises(ValueError, match="registers"):
        outcome_counts(P.css(1), two[0])
    assert outcome_counts(P.css(1), two[0], register="b").tolist() == [5, 0]
    with pytest.raises(ValueError, match="register must be one of"):
        outcome_counts(P.css(1), two[0], register="meas")
    pair = StatevectorSampler().run([circuit, circuit], shots=5).result()
    with pytest.raises(ValueError, match="exactly one pub"):
        outcome_counts(protocol, pair)


# ------------------------------------------------------------------ errors
def test_wrong_length_bitstrings():
    with pytest.raises(ValueError, match=r"num_qubits = 3 characters, got '0101' of length 4"):
        excitations_from_bitstrings(["010", "0101"], 3)


@pytest.mark.parametrize("bad", ["0a1", "0x3", "0 1", "012"])
def test_bad_characters(bad):
    with pytest.raises(ValueError, match=r"only the characters '0' and '1'"):
        excitations_from_bitstrings(["000", bad], 3)


def test_counts_from_circuit_with_other_qubit_count():
    with pytest.raises(ValueError, match=r"4 measured qubits.*atoms = 3"):
        outcome_counts(P.css(3), {"0000": 3})
    with pytest.raises(ValueError, match=r"2 measured qubits.*atoms = 3"):
        outcome_counts(P.css(3), {"000": 1, "01": 3})
    with pytest.raises(ValueError, match=r"4 measured qubits.*atoms = 3"):
        outcome_counts(P.css(3), BitArray.from_samples(["0000", "0101"], num_bits=4))


@pytest.mark.parametrize("value", [-1, 1.5, float("nan"), True, "3"])
def test_bad_count_values(value):
    with pytest.raises(ValueError, match="non-negative integers"):
        outcome_counts(P.css(2), {"00": 1, "01": value})


def test_bad_types():
    with pytest.raises(TypeError, match="counts must be"):
        outcome_counts(P.css(2), [1, 2, 3])
    with pytest.raises(TypeError, match="keys must be bitstrings"):
        outcome_counts(P.css(2), {3: 1})
    with pytest.raises(TypeError, match="RamseyProtocol"):
        outcome_counts("css", {"00": 1})
    with pytest.raises(ValueError, match="num_qubits"):
        excitations_from_bitstrings(["0"], 0)
    with pytest.raises(TypeError, match="strings"):
        excitations_from_bitstrings([1, 0], 1)
    with pytest.raises(ValueError, match="single parameter set"):
        outcome_count_dict(P.css(1), BitArray.from_bool_array(np.zeros((2, 3, 1), dtype=bool)))
