"""TrainConfig: defaults and the STYLE 7.1 message for every invalid field."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deepstat.train import TrainConfig


def test_defaults_match_contract() -> None:
    # the contract of issue 3 lists these defaults
    cfg = TrainConfig()
    assert (cfg.optimizer, cfg.lr, cfg.batch_size, cfg.max_epochs) == ("adam", 1e-3, 256, 100)
    assert (cfg.early_stopping, cfg.validation_fraction, cfg.patience, cfg.verbose) == (True, 0.1, 10, 1)


def test_to_dict_is_json_ready() -> None:
    import json

    cfg = TrainConfig(checkpoint_dir="/tmp/x", random_state=3)
    assert TrainConfig(**json.loads(json.dumps(cfg.to_dict()))) == cfg


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("optimizer", "adamax", "one of"),
        ("lr", -1, "a positive float"),
        ("lr", 0.0, "a positive float"),
        ("lr", math.nan, "a positive float"),
        ("momentum", 1.0, r"a float in \[0, 1\)"),
        ("batch_size", 0, "a positive integer or None"),
        ("batch_size", 2.5, "a positive integer or None"),
        ("max_epochs", True, "a positive integer"),
        ("shuffle", 1, "a bool"),
        ("penalty", "l3", "one of"),
        ("l1_ratio", 1.5, r"a float in \[0, 1\]"),
        ("validation_fraction", 1.0, r"a float in \[0, 1\)"),
        ("lr_schedule", "linear", "one of"),
        ("gamma", 1.0, r"a float in \(0, 1\)"),
        ("clip_grad_norm", 0.0, "a positive float or None"),
        ("tol", -1e-3, "a non-negative float or None"),
        ("random_state", -1, "a non-negative integer or None"),
        ("verbose", 3, "0, 1 or 2"),
        ("checkpoint_every", 0, "a positive integer"),
        ("device", "gpu7", "a torch device string"),
    ],
)
def test_invalid_field_raises_with_template(field: str, value: object, words: str) -> None:
    with pytest.raises(ValueError, match=rf"^`{field}` of TrainConfig must be {words}.*Got {value!r} instead"):
        TrainConfig(**{field: value})


def test_resume_needs_checkpoint_dir() -> None:
    with pytest.raises(ValueError, match="`checkpoint_dir` of TrainConfig must be set when `resume` is True"):
        TrainConfig(resume=True)


@given(lr=st.floats(max_value=0.0, allow_nan=False))
def test_non_positive_lr_rejected(lr: float) -> None:
    with pytest.raises(ValueError, match="`lr` of TrainConfig must be a positive float"):
        TrainConfig(lr=lr)


@given(alpha=st.floats(min_value=0.0, max_value=1e6), l1_ratio=st.floats(min_value=0.0, max_value=1.0))
def test_valid_penalty_settings_accepted(alpha: float, l1_ratio: float) -> None:
    cfg = TrainConfig(penalty="elasticnet", alpha=alpha, l1_ratio=l1_ratio)
    assert (cfg.alpha, cfg.l1_ratio) == (alpha, l1_ratio)


@given(patience=st.integers(max_value=0))
def test_non_positive_patience_rejected(patience: int) -> None:
    with pytest.raises(ValueError, match=f"`patience` of TrainConfig must be a positive integer. Got {patience}"):
        TrainConfig(patience=patience)
