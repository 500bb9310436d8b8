"""Survival data sets shipped with scikit-survival and lifelines (read from local files, never the network).

Each frame holds the features plus a ``time`` column (the observed time: event or censoring) and an
``event`` column (1 = event, 0 = right-censored), so ``Dataset.target == ["time", "event"]``; the Stanford
heart transplant data are in counting-process form, ``target == ["start", "stop", "event"]``. The original
column names are given in each description. Missing covariate values are kept as NaN: impute them on the
training part of a split only (imputing on the full data leaks the test rows into the training).

scikit-survival and lifelines are the optional ``survival`` extra (``pip install 'deepstat[survival]'``);
they are imported only when one of these data sets is loaded.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from deepstat.datasets.base import Dataset
from deepstat.datasets.registry import register

__all__ = [
    "SURVIVAL_DATASETS",
    "load_aids",
    "load_flchain",
    "load_gbsg2",
    "load_lung",
    "load_rossi",
    "load_stanford_heart_transplants",
    "load_veterans_lung_cancer",
    "load_whas500",
]

#: names of the survival data sets registered here
SURVIVAL_DATASETS = ("gbsg2", "whas500", "flchain", "veterans_lung_cancer", "aids", "rossi", "lung", "stanford_heart_transplants")


def _module(package: str, name: str) -> ModuleType:
    """``sksurv.datasets`` or ``lifelines.datasets``, imported on first use."""
    try:
        if package == "sksurv":
            import sksurv.datasets as module
        else:
            import lifelines.datasets as module
    except ImportError as exc:
        raise ImportError(
            f"Data set {name!r} ships with {'scikit-survival' if package == 'sksurv' else 'lifelines'}, which is not "
            "installed. Install the survival extra with `pip install 'deepstat[survival]'`."
        ) from exc
    return module


def _from_sksurv(name: str, loader: str, **kwargs: Any) -> pd.DataFrame:
    """scikit-survival's (X, y) as one frame: the features, then ``time`` and ``event`` (0/1)."""
    X, y = getattr(_module("sksurv", name), loader)(**kwargs)
    event_field, time_field = y.dtype.names  # Surv arrays: the boolean event field first
    frame = X.reset_index(drop=True).copy()
    frame["time"] = y[time_field].astype(np.float64)
    frame["event"] = y[event_field].astype(np.int64)
    return frame


def _dataset(name: str, frame: pd.DataFrame, description: str, source: str, target: tuple[str, ...] = ("time", "event")) -> Dataset:
    features = [str(c) for c in frame.columns if c not in target and c != "id"]
    return Dataset(
        name=name, frame=frame, target=list(target), feature_names=features, description=description,
        source=source, task="survival", family="coxph",
    )


_SKSURV = " Shipped with scikit-survival (sksurv.datasets.{})."
_LIFELINES = " Shipped with lifelines (lifelines.datasets.{})."


@register("gbsg2")
def load_gbsg2() -> Dataset:
    """German Breast Cancer Study Group 2: recurrence-free survival of 686 node-positive patients.

    Examples
    --------
    >>> ds = load_gbsg2()
    >>> ds.target, ds.X.shape, int(ds.frame["event"].sum())
    (['time', 'event'], (686, 8), 299)
    """
    return _dataset(
        "gbsg2",
        _from_sksurv("gbsg2", "load_gbsg2"),
        "686 women with node-positive breast cancer (GBSG-2 trial): recurrence-free survival time in days (time; "
        "originally `time`) and recurrence or death (event; originally `cens`), against hormonal therapy (horTh), "
        "age, menopausal status, tumour size and grade, number of positive nodes, progesterone and oestrogen receptors.",
        "Schumacher, M. et al. (1994). Randomized 2 x 2 trial evaluating hormonal treatment and the duration of "
        "chemotherapy in node-positive breast cancer patients. Journal of Clinical Oncology 12(10), 2086-2093."
        + _SKSURV.format("load_gbsg2"),
    )


@register("whas500")
def load_whas500() -> Dataset:
    """Worcester Heart Attack Study: survival after acute myocardial infarction, 500 patients.

    Examples
    --------
    >>> load_whas500().X.shape
    (500, 14)
    """
    return _dataset(
        "whas500",
        _from_sksurv("whas500", "load_whas500"),
        "500 patients of the Worcester Heart Attack Study: follow-up time in days (time; originally `lenfol`) and "
        "death (event; originally `fstat`), against age, sex, vital signs at admission, BMI, length of stay, "
        "complications and the type and order of the infarction.",
        "Hosmer, D. W., Lemeshow, S. and May, S. (2008). Applied Survival Analysis: Regression Modeling of Time to "
        "Event Data, 2nd ed. Wiley." + _SKSURV.format("load_whas500"),
    )


@register("flchain")
def load_flchain() -> Dataset:
    """Serum free light chain and mortality: 7,874 residents of Olmsted County (``chapter`` dropped).

    Examples
    --------
    >>> ds = load_flchain()
    >>> "chapter" in ds.frame.columns, int(ds.frame["creatinine"].isna().sum())
    (False, 1350)
    """
    frame = _from_sksurv("flchain", "load_flchain").drop(columns="chapter")
    return _dataset(
        "flchain",
        frame,
        "7,874 residents of Olmsted County, Minnesota, aged 50 or more: follow-up time in days (time; originally "
        "`futime`) and death (event; originally `death`), against age, sex, sample year, serum free light chain "
        "kappa and lambda, their decile group (flc.grp), serum creatinine and MGUS diagnosis. The column `chapter` "
        "(the ICD chapter of the cause of death) is dropped: it is recorded only for those who died, so it leaks "
        "the outcome. creatinine is missing (NaN) for 1,350 rows and kept so: impute it on the training part of a "
        "split only, never on the full data.",
        "Dispenzieri, A. et al. (2012). Use of nonclonal serum immunoglobulin free light chains to predict overall "
        "survival in the general population. Mayo Clinic Proceedings 87(6), 517-523." + _SKSURV.format("load_flchain"),
    )


@register("veterans_lung_cancer")
def load_veterans_lung_cancer() -> Dataset:
    """Veterans' Administration lung cancer trial: 137 men with advanced inoperable lung cancer.

    Examples
    --------
    >>> load_veterans_lung_cancer().X.columns.tolist()[:3]
    ['Age_in_years', 'Celltype', 'Karnofsky_score']
    """
    return _dataset(
        "veterans_lung_cancer",
        _from_sksurv("veterans_lung_cancer", "load_veterans_lung_cancer"),
        "137 males with advanced inoperable lung cancer randomised to standard or test chemotherapy: survival in days "
        "(time; originally `Survival_in_days`) and death (event; originally `Status`), against age, cell type, "
        "Karnofsky performance score, months from diagnosis, prior therapy and treatment.",
        "Kalbfleisch, J. D. and Prentice, R. L. (2002). The Statistical Analysis of Failure Time Data, 2nd ed. "
        "Wiley." + _SKSURV.format("load_veterans_lung_cancer"),
    )


@register("aids")
def load_aids() -> Dataset:
    """AIDS Clinical Trials Group 320: time to AIDS diagnosis or death, 1,151 patients.

    Examples
    --------
    >>> int(load_aids().frame["event"].sum())
    96
    """
    return _dataset(
        "aids",
        _from_sksurv("aids", "load_aids", endpoint="aids"),
        "1,151 HIV-infected patients of the ACTG 320 trial: days to AIDS diagnosis or death (time; originally "
        "`time`) and the event (event; originally `censor`, 1 = AIDS or death), against treatment (tx, txgrp), "
        "CD4 count, prior ZDV, sex, race, IV drug use, haemophilia, Karnofsky score, age and stratum.",
        "Hammer, S. M. et al. (1997). A controlled trial of two nucleoside analogues plus indinavir in persons with "
        "HIV infection and CD4 cell counts of 200 per cubic millimeter or less. NEJM 337, 725-733; data from "
        "Hosmer, Lemeshow and May (2008)." + _SKSURV.format("load_aids"),
    )


def _from_lifelines(name: str, loader: str, renames: dict[str, str], drop: tuple[str, ...] = ()) -> pd.DataFrame:
    frame = getattr(_module("lifelines", name), loader)().drop(columns=list(drop)).rename(columns=renames)
    frame["event"] = frame["event"].astype(np.int64)
    for col in ("time", "start", "stop"):
        if col in frame:
            frame[col] = frame[col].astype(np.float64)
    features = [c for c in frame.columns if c not in ("time", "start", "stop", "event")]
    return frame[[*features, *(c for c in ("start", "stop", "time", "event") if c in frame)]]


@register("rossi")
def load_rossi() -> Dataset:
    """Recidivism of 432 prisoners released from Maryland state prisons (Rossi et al. 1980).

    Examples
    --------
    >>> load_rossi().feature_names
    ['fin', 'age', 'race', 'wexp', 'mar', 'paro', 'prio']
    """
    return _dataset(
        "rossi",
        _from_lifelines("rossi", "load_rossi", {"week": "time", "arrest": "event"}),
        "432 men released from Maryland state prisons, followed for one year: week of first re-arrest (time; "
        "originally `week`) and re-arrest (event; originally `arrest`), against financial aid (fin), age, race, "
        "full-time work experience (wexp), marital status (mar), parole (paro) and number of prior convictions "
        "(prio). Fox's Cox regression example, lifelines' reference data set.",
        "Rossi, P. H., Berk, R. A. and Lenihan, K. J. (1980). Money, Work, and Crime: Some Experimental Results. "
        "Academic Press; Fox, J. (2002). Cox proportional-hazards regression for survival data. Appendix to An R "
        "and S-PLUS Companion to Applied Regression." + _LIFELINES.format("load_rossi"),
    )


@register("lung")
def load_lung() -> Dataset:
    """NCCTG advanced lung cancer: survival of 228 patients (``inst`` dropped, NaNs kept).

    Examples
    --------
    >>> ds = load_lung()
    >>> ds.n_rows, int(ds.frame["event"].sum())
    (228, 165)
    """
    return _dataset(
        "lung",
        _from_lifelines("lung", "load_lung", {"status": "event"}, drop=("inst",)),
        "228 patients with advanced lung cancer (North Central Cancer Treatment Group): survival in days (time) "
        "and death (event; originally `status`, already 0/1 in lifelines), against age, sex (1 male, 2 female), "
        "ECOG and Karnofsky performance scores (physician's and patient's), calories at meals and weight loss. "
        "The institution code `inst` is dropped (a label, not a patient characteristic). Missing values are kept "
        "as NaN (meal.cal 47, wt.loss 14, pat.karno 3, ph.ecog 1, ph.karno 1): impute on the training part only.",
        "Loprinzi, C. L. et al. (1994). Prospective evaluation of prognostic variables from patient-completed "
        "questionnaires. Journal of Clinical Oncology 12(3), 601-607." + _LIFELINES.format("load_lung"),
    )


@register("stanford_heart_transplants")
def load_stanford_heart_transplants() -> Dataset:
    """Stanford heart transplant programme, counting-process form: 172 intervals of 103 patients.

    Examples
    --------
    >>> ds = load_stanford_heart_transplants()
    >>> ds.target, ds.feature_names, ds.frame["id"].nunique()
    (['start', 'stop', 'event'], ['age', 'year', 'surgery', 'transplant'], 103)
    """
    frame = _from_lifelines("stanford_heart_transplants", "load_stanford_heart_transplants", {})
    return _dataset(
        "stanford_heart_transplants",
        frame,
        "103 patients accepted into the Stanford heart transplant programme, in counting-process form: one row per "
        "interval (start, stop] with constant covariates, event = death at stop. transplant is time-varying (0 "
        "before, 1 after the transplant), age is at acceptance minus 48 years, year of acceptance minus 1967 (both "
        "in years), surgery = prior bypass surgery. The column `id` (the patient) is not a feature: it groups the "
        "intervals of one patient (lifelines' CoxTimeVaryingFitter id_col).",
        "Crowley, J. and Hu, M. (1977). Covariance analysis of heart transplant survival data. JASA 72(357), 27-36."
        + _LIFELINES.format("load_stanford_heart_transplants"),
        target=("start", "stop", "event"),
    )
