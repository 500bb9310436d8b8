"""Summaries in the lifelines manner: ``summary()`` returns a DataFrame, ``print_summary()`` a table."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table
from sklearn.utils.validation import check_is_fitted

__all__ = ["SummaryMixin"]


class SummaryMixin:
    """What a statistician reports about a fitted deep model (no p-values for network weights)."""

    def summary(self, X: Any = None, y: Any = None) -> pd.DataFrame:
        """The fitted model in one table: data, family, network, training, fit and calibration.

        The coefficient table of a linear predictor fitted by maximum likelihood (lifelines'
        ``summary``, statsmodels' ``summary2().tables[1]``) is :meth:`coefficient_table`;
        :meth:`print_summary` prints both.

        Parameters
        ----------
        X, y : optional
            Held-out data. With them the table adds the test log-likelihood (mean per
            observation, constants included) and the PIT calibration check: the
            Kolmogorov-Smirnov statistic and p-value of the PIT values against U(0, 1)
            (univariate families; randomised PIT for discrete ones). Models fitted by a task
            loss report the test RMSE and MAE (accuracy for classifiers); quantile and survival
            models report their own scores (pinball loss and coverage; C-index, integrated Brier
            score and D-calibration).

        Returns
        -------
        pandas.DataFrame
            Index ``quantity``, one column ``value``.

        Examples
        --------
        >>> import numpy as np
        >>> from deepstat import DeepRegressor
        >>> from deepstat.nn import MLP
        >>> rng = np.random.default_rng(0)
        >>> X = rng.normal(size=(200, 2)); y = rng.poisson(np.exp(0.5 * X[:, 0]))
        >>> model = DeepRegressor(family="poisson", network=MLP(hidden_sizes=(8,)), max_epochs=20, random_state=0, verbose=0).fit(X, y)
        >>> model.summary(X, y).loc["family", "value"]
        'poisson'
        """
        check_is_fitted(self, "module_")
        history = self.history_.to_frame()
        validated = bool(history["val_loss"].notna().any())
        n_weights = sum(p.numel() for p in self.module_.parameters() if p.requires_grad)
        network = self._describe_network()
        rows: dict[str, Any] = {
            "estimator": type(self).__name__,
            "family": self.family_.name if self.family_ is not None else "none",
            "family parameters": ", ".join(self.family_.eta_names()) if self.family_ is not None else "",
            "training rows": int(self.n_train_),
            "validation rows": int(getattr(self, "n_validation_", 0)),
            **self._summary_input_rows(),
            "network": network,
            "trainable parameters": int(n_weights),
            "optimizer": self.optimizer_,
            "epochs run": int(self.n_epochs_),
            "best epoch": int(self.history_.best_epoch),
            # the kept weights' loss: the starting weights' (epoch 0) when no epoch improved on them
            "best validation loss": float(self.history_.best_loss) if validated else np.nan,
            **self._summary_fit_rows(),
        }
        if X is not None:
            if y is None and not getattr(self, "_outcome_in_X", False):
                raise ValueError(
                    f"`y` of {type(self).__name__}.summary must be given with `X` (held-out data). Got None instead."
                )
            rows["test rows"] = int(len(X))
            rows.update(self._summary_test_rows(X, y))
        return pd.DataFrame({"value": pd.Series(rows, dtype=object)}).rename_axis("quantity")

    def _summary_input_rows(self) -> dict[str, Any]:
        """What the network reads: a table's input and encoded columns, or the adapter's input."""
        if getattr(self, "preprocessor_", None) is None:
            return {"input": self.input_spec_.describe()}
        return {"input columns": int(self.n_features_in_), "encoded columns": len(self.preprocessor_.columns_out)}

    def _summary_fit_rows(self) -> dict[str, Any]:
        """Rows about the fit to the training data (estimators with another objective override this)."""
        if self.family_ is None:
            return {"objective": f"{getattr(self, 'loss', None) or 'task'} loss"}
        return {"train log-likelihood": float(getattr(self, "train_log_likelihood_", np.nan))}

    def _summary_test_rows(self, X: Any, y: Any) -> dict[str, Any]:
        """Rows about held-out data: the log-likelihood and the PIT check of a distributional model."""
        from deepstat.metrics import pit_ks_test

        if self.family_ is None:  # a task loss (Huber, focal ...): no likelihood, score the point predictions
            return self._summary_point_rows(X, y)
        rows: dict[str, Any] = {"test log-likelihood": self.log_likelihood(X, y)}
        if not self.family_.event_shape and getattr(self, "classes_", None) is None:
            statistic, pvalue = pit_ks_test(self.predict_pit(X, y))
            rows["PIT KS statistic"] = float(statistic)
            rows["PIT KS p-value"] = float(pvalue)
        return rows

    def print_summary(
        self, X: Any = None, y: Any = None, *, console: Console | None = None, cov_type: str = "nonrobust", alpha: float = 0.05
    ) -> None:
        """Print :meth:`summary` as a table (rich), then, for a linear predictor fitted by maximum likelihood,
        :meth:`coefficient_table` as statsmodels and lifelines print theirs (Cox models: hazard ratios with intervals).

        Parameters
        ----------
        X, y : optional
            Held-out data, as in :meth:`summary`.
        console : rich.console.Console, optional
            Where to print (a new console on standard output by default).
        cov_type : {"nonrobust", "HC0"}, default="nonrobust"
            The coefficients' covariance (see :meth:`linear_standard_errors`).
        alpha : float, default=0.05
            One minus the intervals' coverage.
        """
        if getattr(self, "coef_cov_", None) is not None:
            coefs = self.coefficient_table(alpha=alpha, cov_type=cov_type)  # validates before anything is printed
        table = Table(title=f"{type(self).__name__} summary")
        table.add_column("quantity")
        table.add_column("value", justify="right")
        for name, value in self.summary(X, y)["value"].items():
            text = f"{value:.4f}" if isinstance(value, float) else str(value)
            table.add_row(str(name), text)
        out = console or Console()
        out.print(table)
        if getattr(self, "coef_cov_", None) is not None:  # a linear predictor fitted by maximum likelihood
            out.print(self._coefficient_rich_table(coefs, cov_type, alpha))

    def _coefficient_rich_table(self, coefs: pd.DataFrame, cov_type: str, alpha: float) -> Table:
        """The coefficient table as statsmodels and lifelines print it (hazard ratios for Cox models)."""
        hazard = "exp(coef)" in coefs.columns
        level = f"{100 * (1 - alpha):g}%"
        kind = "observed-information" if cov_type == "nonrobust" else "robust (HC0 sandwich)"
        table = Table(title=f"coefficients ({kind} standard errors, {level} Wald intervals)")
        columns = ["parameter", "column", "coef", *(["exp(coef)"] if hazard else []), "se(coef)",
                   f"coef lower {level}", f"coef upper {level}",
                   *([f"exp(coef) lower {level}", f"exp(coef) upper {level}"] if hazard else []), "z", "p"]
        for column in columns:
            table.add_column(column, justify="left" if column in ("parameter", "column") else "right")

        def number(value: float, digits: str = ".4f") -> str:
            return "" if not np.isfinite(value) else format(value, digits)

        for (parameter, column), row in coefs.iterrows():
            cells = [str(parameter), str(column), number(row["coef"]), *([number(row["exp(coef)"])] if hazard else []),
                     number(row["se"]), number(row["ci_low"]), number(row["ci_high"]),
                     *([number(row["exp(ci_low)"]), number(row["exp(ci_high)"])] if hazard else []),
                     number(row["z"], ".2f"), number(row["p"], ".3g")]
            table.add_row(*cells)
        return table

    def _summary_point_rows(self, X: Any, y: Any) -> dict[str, Any]:
        """Accuracy of a classifier, RMSE and MAE of a regressor, from ``predict``."""
        from deepstat.metrics import mean_absolute_error, root_mean_squared_error

        prediction = self.predict(X)
        if getattr(self, "classes_", None) is not None:
            return {"test accuracy": float(np.mean(np.asarray(prediction) == np.asarray(y)))}
        return {
            "test RMSE": root_mean_squared_error(y, prediction),
            "test MAE": mean_absolute_error(y, prediction),
        }
