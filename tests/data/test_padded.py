"""The shared padding code of the sequence and set adapters."""

from __future__ import annotations

import torch

from deepstat.data import pad_sequences
from deepstat.data.padded import read_ragged


def test_pad_sequences_zero_pads_to_the_longest():
    padded, lengths = pad_sequences([torch.ones(1, 2), 2 * torch.ones(3, 2)], dtype=torch.float64)
    assert padded.shape == (2, 3, 2) and padded.dtype == torch.float64 and lengths.tolist() == [1, 3]
    assert padded[0, 1:].abs().sum() == 0 and torch.equal(padded[1], 2 * torch.ones(3, 2, dtype=torch.float64))


def test_read_ragged_marks_the_valid_entries():
    padded, valid = read_ragged([torch.zeros(2, 1, dtype=torch.float32), torch.zeros(1, 1, dtype=torch.float32)], "Caller", "set", "element")
    assert padded.dtype == torch.float32  # float32 parts stay float32
    assert valid.tolist() == [[True, True], [True, False]]
