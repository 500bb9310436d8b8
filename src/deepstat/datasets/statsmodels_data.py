"""Data sets bundled with statsmodels (``statsmodels.datasets.*``, read from local files).

statsmodels is an optional dependency (``pip install deepstat[stats]``); it is imported only
when one of these data sets is loaded.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from deepstat.datasets.base import Dataset
from deepstat.datasets.registry import register

__all__ = [
    "load_engel",
    "load_fair",
    "load_grunfeld",
    "load_modechoice",
    "load_randhie",
    "load_scotland",
    "load_spector",
    "load_stackloss",
    "load_star98",
]


def _raw(name: str) -> pd.DataFrame:
    """The data set's DataFrame as statsmodels ships it (a copy)."""
    try:
        import statsmodels.datasets as smd
    except ImportError as exc:  # pragma: no cover - statsmodels is installed in the test environment
        raise ImportError(
            f"Data set {name!r} ships with statsmodels, which is not installed. Install it with `pip install deepstat[stats]`."
        ) from exc
    return getattr(smd, name).load_pandas().data.copy()


def _shipped(name: str) -> str:
    return f" Shipped with statsmodels (statsmodels.datasets.{name})."


def _dataset(name: str, frame: pd.DataFrame, target: str, **kwargs: Any) -> Dataset:
    features = [str(c) for c in frame.columns if c != target]
    return Dataset(name=name, frame=frame[[*features, target]], target=target, feature_names=features, **kwargs)


@register("engel")
def load_engel() -> Dataset:
    """Engel's household food expenditure against income, 235 Belgian households (statsmodels).

    Examples
    --------
    >>> load_engel().feature_names
    ['income']
    """
    return _dataset(
        "engel",
        _raw("engel"),
        "foodexp",
        description=(
            "235 Belgian working-class households (Engel 1857): annual household income and food expenditure, "
            "both in Belgian francs. The spread of food expenditure grows with income (the classic quantile "
            "regression example), so the suggested family is the Gamma (constant coefficient of variation)."
        ),
        source="Koenker, R. and Bassett, G. (1982). Robust tests for heteroscedasticity based on regression "
        "quantiles. Econometrica 50, 43-61." + _shipped("engel"),
        task="regression",
        family="gamma",
    )


@register("randhie")
def load_randhie() -> Dataset:
    """RAND Health Insurance Experiment: outpatient doctor visits of 20,190 person-years (statsmodels).

    Examples
    --------
    >>> int(load_randhie().y.max())
    77
    """
    return _dataset(
        "randhie",
        _raw("randhie"),
        "mdvis",
        description=(
            "RAND Health Insurance Experiment, 20,190 person-years: number of outpatient visits to a medical "
            "doctor (mdvis) against coinsurance (lncoins = log(coinsurance + 1)), individual deductible plan (idp), "
            "log participation incentive payment (lpi), fmde, physical limitation (physlm), number of chronic "
            "diseases (disea) and self-rated health (hlthg, hlthf, hlthp; excellent is the reference). The counts "
            "are strongly overdispersed, so the suggested family is the negative binomial (NB2)."
        ),
        source="Manning, W. G. et al. (1987). Health insurance and the demand for medical care: evidence from a "
        "randomized experiment. American Economic Review 77(3), 251-277; data as in Cameron, A. C. and Trivedi, "
        "P. K. (2005). Microeconometrics: Methods and Applications. Cambridge University Press." + _shipped("randhie"),
        task="count",
        family="negative_binomial",
    )


@register("scotland")
def load_scotland() -> Dataset:
    """The 1997 Scottish referendum on tax-varying powers: YES vote (%) in 32 council districts (statsmodels).

    Examples
    --------
    >>> load_scotland().X.shape
    (32, 7)
    """
    return _dataset(
        "scotland",
        _raw("scotland"),
        "YES",
        description=(
            "32 Scottish council districts, 1997 referendum: percentage of YES votes for granting the Scottish "
            "Parliament taxation powers, against council tax, female unemployment, standardised mortality, labour "
            "force participation, GDP, percentage aged 5-15, and the council tax x female unemployment "
            "interaction. Gill's Gamma GLM example, hence the Gamma family."
        ),
        source="Gill, J. (2001). Generalized Linear Models: A Unified Approach. Sage, Quantitative Applications in "
        "the Social Sciences 134." + _shipped("scotland"),
        task="regression",
        family="gamma",
    )


@register("grunfeld")
def load_grunfeld() -> Dataset:
    """Grunfeld's investment data: 11 US firms, 1935-1954 (statsmodels).

    Examples
    --------
    >>> ds = load_grunfeld()
    >>> ds.X["firm"].cat.categories[:3].tolist()
    ['American Steel', 'Atlantic Refining', 'Chrysler']
    """
    frame = _raw("grunfeld")
    frame["firm"] = frame["firm"].astype("category")
    frame["year"] = frame["year"].astype(np.int64)
    return _dataset(
        "grunfeld",
        frame,
        "invest",
        description=(
            "220 firm-years (11 US firms, 1935-1954): gross investment (invest, million 1947 dollars) against "
            "the firm's market value, its stock of plant and equipment (capital), the firm (categorical) and the "
            "year. Investment is positive and its spread grows with firm size, so the suggested family is the Gamma."
        ),
        source="Grunfeld, Y. (1958). The Determinants of Corporate Investment. PhD thesis, University of Chicago; "
        "the 11-firm data as recreated by Kleiber, C. and Zeileis, A. (2010). The Grunfeld data at 50. German "
        "Economic Review 11(4), 404-417." + _shipped("grunfeld"),
        task="regression",
        family="gamma",
    )


@register("star98")
def load_star98() -> Dataset:
    """California STAR 1998 math results of 303 school districts, as a proportion above the national median.

    Examples
    --------
    >>> ds = load_star98()
    >>> ds.target, ds.family, ds.n_features
    ('prop_above', 'beta', 20)
    """
    frame = _raw("star98")
    frame["prop_above"] = frame["NABOVE"] / (frame["NABOVE"] + frame["NBELOW"])
    return _dataset(
        "star98",
        frame.drop(columns=["NABOVE", "NBELOW"]),
        "prop_above",
        description=(
            "303 California school districts, 1998 STAR test: proportion of ninth-graders scoring above the "
            "national median in math, prop_above = NABOVE / (NABOVE + NBELOW) (between 0.076 and 0.93), against "
            "20 district covariates (low income, ethnic composition, teacher experience and salary, spending, "
            "pupil/teacher ratio, ... and Gill's interactions). Gill fits a binomial GLM to the counts; deepstat has "
            "no binomial-with-trials family, so the counts are turned into a proportion with the Beta family "
            "(beta regression). The number of students per district is not kept."
        ),
        source="Gill, J. (2001). Generalized Linear Models: A Unified Approach. Sage, Quantitative Applications in "
        "the Social Sciences 134." + _shipped("star98"),
        task="proportion",
        family="beta",
    )


@register("stackloss")
def load_stackloss() -> Dataset:
    """Brownlee's stack loss plant data: 21 days of ammonia oxidation (statsmodels).

    Examples
    --------
    >>> load_stackloss().feature_names
    ['AIRFLOW', 'WATERTEMP', 'ACIDCONC']
    """
    frame = _raw("stackloss")
    return _dataset(
        "stackloss",
        frame,
        "STACKLOSS",
        description=(
            "21 days of a plant oxidising ammonia to nitric acid: stack loss (10 x the percentage of ammonia "
            "lost) against air flow, cooling water temperature and acid concentration. A classic of robust "
            "regression (outlying days 1, 3, 4 and 21)."
        ),
        source="Brownlee, K. A. (1965). Statistical Theory and Methodology in Science and Engineering, 2nd ed. "
        "Wiley." + _shipped("stackloss"),
        task="regression",
        family="normal",
    )


@register("fair")
def load_fair() -> Dataset:
    """Fair's extramarital affairs survey of 6,366 women, as a binary outcome (statsmodels).

    Examples
    --------
    >>> round(float(load_fair().y.mean()), 4)
    0.3225
    """
    frame = _raw("fair")
    frame["had_affair"] = (frame.pop("affairs") > 0).astype(np.int64)
    return _dataset(
        "fair",
        frame,
        "had_affair",
        description=(
            "6,366 married women (Redbook survey, 1974): whether the respondent had any extramarital affair "
            "(had_affair = affairs > 0) against marriage rating, age, years married, children, religiousness, "
            "education and the occupations of wife and husband. The raw `affairs` (time spent in affairs) is "
            "continuous with a point mass at 0 (68% zeros), which no deepstat family describes (it is "
            "Tweedie-like), so the target is its binary version, as in statsmodels' Logit example."
        ),
        source="Fair, R. C. (1978). A theory of extramarital affairs. Journal of Political Economy 86(1), 45-61."
        + _shipped("fair"),
        task="classification",
        family="bernoulli",
        target_names=["no", "yes"],
    )


@register("spector")
def load_spector() -> Dataset:
    """Spector and Mazzeo's PSI teaching experiment: did the grade improve? 32 students (statsmodels).

    Examples
    --------
    >>> load_spector().y.tolist()[:5]
    [0, 0, 0, 0, 1]
    """
    frame = _raw("spector")
    frame["GRADE"] = frame["GRADE"].astype(np.int64)
    return _dataset(
        "spector",
        frame,
        "GRADE",
        description=(
            "32 students of intermediate macroeconomics: whether the grade improved (GRADE = 1) against grade "
            "point average (GPA), the score on an economics pre-test (TUCE) and exposure to the personalised "
            "system of instruction (PSI = 1)."
        ),
        source="Spector, L. C. and Mazzeo, M. (1980). Probit analysis and economic education. Journal of Economic "
        "Education 11(2), 37-44; as in Greene, W. H. Econometric Analysis." + _shipped("spector"),
        task="classification",
        family="bernoulli",
        target_names=["not improved", "improved"],
    )


_MODES = ["air", "train", "bus", "car"]  # statsmodels' codes 1, 2, 3, 4


@register("modechoice")
def load_modechoice() -> Dataset:
    """Travel mode chosen by 210 travellers between Sydney and Melbourne, one row per traveller.

    Examples
    --------
    >>> ds = load_modechoice()
    >>> ds.X.shape, ds.target_names
    ((210, 17), ['air', 'train', 'bus', 'car'])
    """
    long = _raw("modechoice")  # 4 rows per individual, one per mode, choice = 1 on the chosen one
    attributes = ["ttme", "invc", "invt", "gc"]
    wide = long.pivot(index="individual", columns="mode", values=attributes)
    wide.columns = [f"{attr}_{_MODES[int(mode) - 1]}" for attr, mode in wide.columns]
    wide = wide.drop(columns="ttme_car")  # terminal time is 0 for every car trip: a constant
    per_person = long.groupby("individual")[["hinc", "psize"]].first()
    chosen = long.loc[long["choice"] == 1].set_index("individual")["mode"].astype(np.int64) - 1
    frame = pd.concat([per_person, wide, chosen.rename("mode")], axis=1).reset_index(drop=True)
    return _dataset(
        "modechoice",
        frame,
        "mode",
        description=(
            "210 travellers between Sydney and Melbourne, reshaped from statsmodels' long format (4 rows per "
            "traveller) to one row per traveller: target mode = the chosen mode, 0 air, 1 train, 2 bus, 3 car; "
            "features: household income (hinc, $1000s), party size (psize), and for each mode m the terminal "
            "waiting time ttme_m (minutes; not for car, where it is always 0), in-vehicle cost invc_m (dollars), "
            "in-vehicle time invt_m (minutes) and generalised cost gc_m (dollars). A multinomial logit on these "
            "columns has alternative-specific coefficients, more than the conditional logit's shared ones."
        ),
        source="Greene, W. H. and Hensher, D. (1997). Multinomial logit and discrete choice models, in Greene, W. H. "
        "LIMDEP version 7.0 User's Manual; Greene, W. H. (2011). Econometric Analysis, 7th ed., table F18-2."
        + _shipped("modechoice"),
        task="classification",
        family="categorical",
        family_kwargs={"n_classes": 4},
        target_names=list(_MODES),
    )
