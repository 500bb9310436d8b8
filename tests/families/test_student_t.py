"""Student-t family (learned and fixed df) against scipy.stats.t."""

import numpy as np
import pytest
import scipy.stats
import torch

from deepstat.families import StudentT

F64 = torch.float64


def _grid(family: StudentT) -> tuple[torch.Tensor, torch.Tensor]:
    base = torch.tensor([[0.0, 0.0, 0.0], [-2.0, -3.0, 3.0], [1.5, 2.0, -2.0], [0.0, 1.0, 30.0]], dtype=F64)
    eta = base[:, : family.n_params]
    y = torch.tensor([-1e4, -2.0, 0.0, 0.7, 1e3], dtype=F64)
    return eta.repeat_interleave(len(y), 0), y.repeat(len(eta))


@pytest.mark.parametrize("family", [StudentT(), StudentT(df=2.5)])
def test_log_prob_cdf_quantile_match_scipy(family: StudentT) -> None:
    eta, y = _grid(family)
    p = family.split(eta)
    ref = scipy.stats.t(df=p["df"].numpy(), loc=p["loc"].numpy(), scale=p["scale"].numpy())
    torch.testing.assert_close(family.log_prob(y, eta), torch.from_numpy(ref.logpdf(y.numpy())), rtol=1e-8, atol=0)
    torch.testing.assert_close(family.cdf(y, eta), torch.from_numpy(ref.cdf(y.numpy())), rtol=1e-8, atol=1e-300)
    q = np.array([0.02, 0.3, 0.5, 0.97])
    torch.testing.assert_close(family.quantile(eta, q), torch.from_numpy(ref.ppf(q[:, None]).T), rtol=1e-6, atol=1e-10)


def test_fixed_df_uses_two_columns() -> None:
    family = StudentT(df=3.0)
    assert family.n_params == 2 and list(family.params) == ["loc", "scale"]
    assert family.split(torch.zeros(2, 2))["df"].tolist() == [3.0, 3.0]
    assert family.to_config() == {"name": "student_t", "df": 3.0}


@pytest.mark.parametrize("df", [0.0, -1.0, float("inf"), True, "3"])
def test_invalid_df(df: object) -> None:
    with pytest.raises(ValueError, match="`df` of StudentT must be None or a positive finite number"):
        StudentT(df=df)  # type: ignore[arg-type]


def test_init_eta_picks_heavy_tails_for_cauchy_data(global_random_seed: int) -> None:
    y = torch.from_numpy(scipy.stats.cauchy.rvs(loc=1.0, size=2000, random_state=global_random_seed))
    init = StudentT().init_eta(y)
    p = StudentT().split(init[None])
    assert p["df"].item() <= 2.0  # the profile over the df grid prefers heavy tails (Cauchy: df = 1)
    assert p["loc"].item() == pytest.approx(1.0, abs=0.15)
    assert p["scale"].item() == pytest.approx(1.0, rel=0.2)
