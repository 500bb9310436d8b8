"""Standard errors of linear predictors fitted by maximum likelihood: the observed information (issue 11, item 3).

The Hessian of the summed negative log-likelihood with respect to the linear predictor's parameters is taken
by autograd in float64 at the fitted weights, inverted, and mapped to the coefficient table on the inputs'
original scale (an affine map: J cov J^T). The sandwich (HC0) covariance is computed beside it
(:mod:`deepstat.estimators._sandwich`): ``coef_cov_`` and ``coef_cov_hc0_``. A network's weights get none (STYLE 5.3).
"""

from __future__ import annotations

import copy
from typing import Any, Literal

import numpy as np
import pandas as pd
import torch
from sklearn.utils.validation import check_is_fitted
from torch import Tensor

from deepstat.estimators._sandwich import check_cov_type, observation_scores, sandwich_covariance
from deepstat.utils.config import torch_threads

__all__ = ["LinearInferenceMixin", "MAX_INFORMATION_SIZE"]

MAX_INFORMATION_SIZE = 1000  # linear predictors with more parameters get no standard errors


class LinearInferenceMixin:
    """Coefficients, standard errors, z, p and intervals of a linear predictor (mixed into DeepstatEstimator)."""

    # parameters the objective does not identify (the Cox partial likelihood ignores the intercept)
    _unidentified: tuple[str, ...] = ()

    def _standard_errors_apply(self, loss: Any) -> bool:
        """Whether the fit is a maximum-likelihood fit of a linear predictor (observed information is valid)."""
        return bool(self.network_.is_linear and self._linear_is_classical and self.penalty == "none")

    def _coefficient_matrix(self, W: Tensor, b: Tensor, constants: Tensor | None) -> Tensor:
        """The coefficient table (n_params, 1 + p) on the inputs' original scale, from the head's parameters.

        Affine in the parameters (standardisation undone, the head's scale and offset applied), so that
        the covariance of the coefficients is J cov(theta) J^T with J its Jacobian.
        """
        head = self.module_
        center = torch.as_tensor(self.preprocessor_.center, dtype=torch.float64)
        sd = torch.as_tensor(self.preprocessor_.scale, dtype=torch.float64)
        slopes = W / sd  # (n_modelled, p)
        rows = [torch.cat([(b - slopes @ center)[:, None], slopes], dim=1)]
        if constants is not None:
            rows.append(torch.cat([constants[:, None], torch.zeros(constants.shape[0], W.shape[1], dtype=torch.float64)], dim=1))
        coef = torch.cat(rows) * head.scale.double()[:, None]
        shift = torch.zeros_like(coef)
        shift[:, 0] = head.offset.double()
        return coef + shift

    def _head_parameters(self) -> dict[str, Tensor]:
        head = self.module_
        layer = head.body.output_layer
        found = {"body.output_layer.weight": layer.weight, "body.output_layer.bias": layer.bias}
        if head.constants is not None:
            found["constants"] = head.constants
        return {name: t.detach().double() for name, t in found.items()}

    def _coefficient_covariance(self, X: Tensor, y: Any, weight: Tensor | None, loss: Any) -> np.ndarray | None:
        """Covariance of the flattened coefficient table: the inverse observed information, mapped to the table.

        The Hessian of the summed objective (the negative log-likelihood) with respect to the linear
        predictor's parameters is taken by autograd in float64 at the fitted weights. ``None`` when a
        parameter of the objective is missing or the information is singular.
        """
        from torch.func import functional_call

        values = self._head_parameters()
        trainable = {name for name, p in self.module_.named_parameters() if p.requires_grad}
        # a frozen parameter (the bias of a model without an intercept) is not estimated: no information for it
        free = [name for name in values if name not in self._unidentified and name in trainable]
        sizes = [values[name].numel() for name in free]
        module = copy.deepcopy(self.module_).double().eval()
        X64 = X.double()
        y64 = y.double() if isinstance(y, Tensor) and y.is_floating_point() else (y.to(dtype=torch.float64) if hasattr(y, "to") and not isinstance(y, Tensor) else y)
        w64 = None if weight is None else weight.double()

        def unflatten(flat: Tensor) -> dict[str, Tensor]:
            parts = dict(values)
            for name, chunk in zip(free, flat.split(sizes)):
                parts[name] = chunk.reshape(values[name].shape)
            return parts

        def objective(flat: Tensor) -> Tensor:
            params = {k: v for k, v in unflatten(flat).items()}
            eta = functional_call(module, params, (X64,), strict=False)
            return loss(eta, y64, weight=w64, reduction="sum")

        def table(flat: Tensor) -> Tensor:
            parts = unflatten(flat)
            return self._coefficient_matrix(parts["body.output_layer.weight"], parts["body.output_layer.bias"], parts.get("constants")).reshape(-1)

        theta = torch.cat([values[name].reshape(-1) for name in free])
        if theta.numel() > MAX_INFORMATION_SIZE:  # a p x p Hessian by p backward passes: bounded
            return None
        with torch_threads():
            hessian = torch.autograd.functional.hessian(objective, theta)
            jacobian = torch.autograd.functional.jacobian(table, theta)
        if not bool(torch.isfinite(hessian).all()):
            return None
        eigenvalues = torch.linalg.eigvalsh(hessian)
        if not bool(eigenvalues.min() > 1e-10 * max(1.0, float(eigenvalues.max()))):
            return None  # not positive definite: collinear columns, separation or an unidentified parameter
        covariance = jacobian @ torch.linalg.solve(hessian, jacobian.T)

        def weighted(flat: Tensor, w: Tensor) -> Tensor:  # the objective as a function of the case weights too
            eta = functional_call(module, unflatten(flat), (X64,), strict=False)
            return loss(eta, y64, weight=w, reduction="sum")

        w_obs = torch.ones(X64.shape[0], dtype=torch.float64) if w64 is None else w64
        with torch_threads():
            scores = observation_scores(weighted, theta, w_obs)  # (n, k)
        robust = jacobian @ sandwich_covariance(hessian, scores, w_obs) @ jacobian.T
        self.coef_cov_hc0_ = robust.numpy() if bool(torch.isfinite(robust).all()) else None
        return covariance.numpy()

    def _covariance(self, cov_type: str, caller: str) -> np.ndarray:
        """The fitted covariance of the coefficient table for ``cov_type`` (validated)."""
        check_cov_type(cov_type, f"{type(self).__name__}.{caller}")
        covariance = getattr(self, "coef_cov_" if cov_type == "nonrobust" else "coef_cov_hc0_", None)
        if covariance is None:
            raise ValueError(
                f"`network` of {type(self).__name__} must be the linear predictor, fitted by maximum likelihood without a "
                "penalty, for standard errors (STYLE 5.3: no p-values for a network's weights). Got a fit without an "
                f"invertible observed information{' or its sandwich' if cov_type == 'HC0' else ''} instead."
            )
        return covariance

    def linear_standard_errors(self, cov_type: Literal["nonrobust", "HC0"] = "nonrobust") -> pd.DataFrame:
        """Standard errors of :meth:`linear_coefficients`' table (link scale, as statsmodels' ``bse``).

        Parameters
        ----------
        cov_type : {"nonrobust", "HC0"}, default="nonrobust"
            "nonrobust": the inverse observed information. "HC0": the sandwich
            :math:`H^{-1} (\\sum_i w_i^2 s_i s_i^\\top) H^{-1}` (statsmodels' ``GLM(cov_type="HC0")``;
            for a Cox model the Lin-Wei robust variance of lifelines' ``robust=True``, see
            :mod:`deepstat.estimators._sandwich`). Both are computed at fit (the data are not kept), so
            choosing one here refits nothing; both are saved with the model.

        Raises
        ------
        ValueError
            If ``cov_type`` is not one of the above, or the fit is not a maximum-likelihood fit of a
            linear predictor (a network, a penalty, a task loss), or its information matrix is singular.
        """
        check_is_fitted(self, "module_")
        covariance = self._covariance(cov_type, "linear_standard_errors")
        table = self._coefficient_frame()
        se = np.sqrt(np.clip(np.diag(covariance), 0.0, None)).reshape(table.shape)
        frame = pd.DataFrame(se, index=table.index, columns=table.columns)
        if "body.output_layer.bias" in self._unidentified:  # no intercept in the model (Cox): none to report
            frame["Intercept"] = 0.0
        return frame

    def _coefficient_frame(self) -> pd.DataFrame:
        """The full coefficient table (every raw parameter and the intercept column) as a DataFrame."""
        parts = self._head_parameters()
        coef = self._coefficient_matrix(parts["body.output_layer.weight"], parts["body.output_layer.bias"], parts.get("constants"))
        family = getattr(self, "family_", None)
        names = family.eta_names() if family is not None else [f"eta{j}" for j in range(coef.shape[0])]
        return pd.DataFrame(coef.numpy(), index=names, columns=["Intercept", *self.preprocessor_.columns_out])

    def coefficient_table(self, alpha: float = 0.05, cov_type: Literal["nonrobust", "HC0"] = "nonrobust") -> pd.DataFrame:
        """The statistician's table: coefficient, standard error, z, p-value and a ``1 - alpha`` Wald interval.

        One row per (parameter, column) of :meth:`linear_coefficients` with a non-zero standard error.
        A parameter fitted as a constant (the Normal scale :math:`\\sigma`, the Gamma and Weibull shape,
        the NB2 :math:`\\alpha`) is reported on its own scale, in the row ``(parameter, "(constant)")``:
        its value, the delta-method standard error :math:`|g^{-1\\prime}(\\eta)|\\,\\mathrm{se}(\\eta)` from
        the same covariance (statsmodels' ``bse`` of NB2's ``alpha``), and the link-scale interval mapped
        through the inverse link (so it stays in the parameter's support); no z or p-value (zero is
        on the boundary of its support).

        Parameters
        ----------
        alpha : float, default=0.05
            One minus the intervals' coverage.
        cov_type : {"nonrobust", "HC0"}, default="nonrobust"
            As in :meth:`linear_standard_errors`.

        Returns
        -------
        pandas.DataFrame
            Index (parameter, column); columns ``coef, se, z, p, ci_low, ci_high``, and for a Cox model
            the hazard ratio and its interval ``exp(coef), exp(ci_low), exp(ci_high)`` (lifelines' ``summary``).
        """
        from scipy import stats

        if not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
            raise ValueError(f"`alpha` of {type(self).__name__}.coefficient_table must be in (0, 1). Got {alpha!r} instead.")
        check_cov_type(cov_type, f"{type(self).__name__}.coefficient_table")
        se = self.linear_standard_errors(cov_type)
        coef = self._coefficient_frame()
        tidy = pd.DataFrame({"coef": coef.stack(), "se": se.stack()})
        tidy = tidy[tidy["se"] > 0]
        tidy.index.names = ["parameter", "column"]
        tidy["z"] = tidy["coef"] / tidy["se"]
        tidy["p"] = 2 * stats.norm.sf(np.abs(tidy["z"]))
        q = stats.norm.ppf(1 - alpha / 2)
        tidy["ci_low"], tidy["ci_high"] = tidy["coef"] - q * tidy["se"], tidy["coef"] + q * tidy["se"]
        if self._reports_hazard_ratios():  # lifelines' exp(coef) and its interval
            tidy["exp(coef)"], tidy["exp(ci_low)"], tidy["exp(ci_high)"] = np.exp(tidy[["coef", "ci_low", "ci_high"]].to_numpy()).T
        return self._constants_on_their_scale(tidy)

    def _reports_hazard_ratios(self) -> bool:
        """Whether the coefficients are log hazard ratios (a Cox model: its intercept is not identified)."""
        return "body.output_layer.bias" in self._unidentified

    def _constants_on_their_scale(self, tidy: pd.DataFrame) -> pd.DataFrame:
        """Rows of the parameters fitted as constants, mapped from the link scale by the inverse link (delta method)."""
        family, head = getattr(self, "family_", None), self.module_
        if family is None or head.n_modelled == head.n_params or len(family.links) != head.n_params:
            return tidy
        names, links = family.eta_names(), list(family.links.values())
        rename = {}
        for j in range(head.n_modelled, head.n_params):
            key = (names[j], "Intercept")
            if key not in tidy.index:
                continue
            row = tidy.loc[key]
            eta = torch.tensor(float(row["coef"]), dtype=torch.float64, requires_grad=True)
            value = links[j].inverse(eta)
            (slope,) = torch.autograd.grad(value, eta)
            with torch.no_grad():
                ends = sorted(float(links[j].inverse(torch.tensor(float(row[c]), dtype=torch.float64))) for c in ("ci_low", "ci_high"))
            tidy.loc[key] = [float(value.detach()), abs(float(slope)) * float(row["se"]), np.nan, np.nan, *ends]
            rename[key[1]] = "(constant)"
        if not rename:
            return tidy
        constants = {names[j] for j in range(head.n_modelled, head.n_params)}
        tidy.index = pd.MultiIndex.from_tuples(
            [(p, "(constant)" if p in constants and c == "Intercept" else c) for p, c in tidy.index], names=tidy.index.names
        )
        return tidy
