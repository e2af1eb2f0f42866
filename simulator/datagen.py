"""Realistic, deterministic node databases for simulated federations (Faker and numpy, seeded).

    python -m simulator fixtures generate --orgs 3 --rows 1000 --seed 42 --out DIR [--skew 0.5]

writes ``DIR/org2.csv``, ``DIR/org3.csv``... (one per organization; ids start at 2, after the
root organization) and ``DIR/scenario.yaml`` describing the network that holds them: the
organizations, one collaboration, a node each, a researcher and the demo average algorithm.

Columns: ``patient_id``, ``age``, ``sex``, ``height_cm``, ``weight_kg``, ``bmi``, ``smoker``,
``systolic_bp``, ``diastolic_bp``, ``cholesterol``, ``diagnosis``, ``diagnosis_date``, ``city``.
Measurements go missing at the ``missing`` rate. ``skew`` (0: every organization draws from the
same population; 1: strongly different ones) shifts ages, blood pressure and the mix of diagnoses
from one organization to the next, as hospitals serving different populations do.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd
import yaml

DIAGNOSES = ("none", "hypertension", "diabetes_t2", "copd", "asthma", "heart_failure")
_BASE_MIX = np.array([0.40, 0.22, 0.14, 0.08, 0.10, 0.06])
_LOCALES = ("nl_NL", "nl_BE", "de_DE", "fr_FR", "en_GB", "it_IT", "es_ES", "sv_SE")
_COUNTRIES = ("NL", "BE", "DE", "FR", "GB", "IT", "ES", "SE")
MEASUREMENTS = ("height_cm", "weight_kg", "bmi", "systolic_bp", "diastolic_bp", "cholesterol")
RESEARCHER = ("researcher", "Researcher-pass1")
AVERAGE = {"harbor2.vantage6.ai/demo/average": "simulator.algorithms.average"}


@dataclass(frozen=True)
class Generated:
    scenario: Path
    files: list[Path]


def organization_frame(index: int, organizations: int, rows: int, seed: int,
                       skew: float = 0.3, missing: float = 0.03) -> pd.DataFrame:
    """The database of the ``index``-th organization (0-based) of ``organizations``."""
    from faker import Faker

    rng = np.random.default_rng([seed, index])
    fake = Faker(_LOCALES[index % len(_LOCALES)])
    fake.seed_instance(seed * 1_000 + index)
    # where this organization stands between the others: -1 .. 1
    position = 0.0 if organizations == 1 else 2 * index / (organizations - 1) - 1
    shift = skew * position

    age = np.clip(rng.normal(55 + 12 * shift, 15, rows), 18, 98).round().astype(int)
    sex = rng.choice(["F", "M"], rows)
    male = sex == "M"
    height = rng.normal(np.where(male, 180.0, 167.0), 7.0).round(1)
    bmi_true = np.clip(rng.normal(26 + 2 * shift, 4.5, rows), 15, 55)
    weight = (bmi_true * (height / 100) ** 2).round(1)
    bmi = (weight / (height / 100) ** 2).round(1)
    smoker = rng.random(rows) < np.clip(0.22 + 0.1 * shift, 0.02, 0.9)
    systolic = (rng.normal(118 + 0.45 * (age - 50) + 8 * shift, 14)).round().astype(int)
    diastolic = (systolic * 0.62 + rng.normal(3, 6, rows)).round().astype(int)
    cholesterol = rng.normal(5.1 + 0.3 * shift, 1.0, rows).clip(2.0, 11.0).round(2)
    mix = _BASE_MIX * np.exp(shift * np.array([-0.6, 0.8, 0.6, 0.4, -0.3, 0.7]))
    diagnosis = rng.choice(DIAGNOSES, rows, p=mix / mix.sum())
    days = rng.integers(0, 10 * 365, rows)
    start = dt.date(2015, 1, 1)
    diagnosis_date = [None if d == "none" else (start + dt.timedelta(days=int(n))).isoformat()
                      for d, n in zip(diagnosis, days)]
    frame = pd.DataFrame({
        "patient_id": [fake.uuid4() for _ in range(rows)],
        "age": age, "sex": sex, "height_cm": height, "weight_kg": weight, "bmi": bmi,
        "smoker": smoker, "systolic_bp": systolic, "diastolic_bp": diastolic,
        "cholesterol": cholesterol, "diagnosis": diagnosis, "diagnosis_date": diagnosis_date,
        "city": [fake.city() for _ in range(rows)],
    })
    for column in MEASUREMENTS:  # values go missing independently, as in registries
        gone = rng.random(rows) < missing
        frame[column] = frame[column].astype("float64").where(~gone)
    return frame


def generate(out: str | Path, organizations: int = 3, rows: int = 1000, seed: int = 42,
             skew: float = 0.3, missing: float = 0.03,
             algorithms: Optional[dict[str, str]] = None) -> Generated:
    """Write the CSVs and a scenario for them into ``out``; the same arguments give the same
    bytes. ``algorithms`` (image -> module) join the demo average in the scenario."""
    if organizations < 1 or rows < 0:
        raise ValueError("give at least one organization and a non-negative number of rows")
    if not 0 <= missing < 1:
        raise ValueError("missing is a rate in [0, 1)")
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    files, orgs, nodes = [], [], []
    for index in range(organizations):
        org_id = index + 2
        path = folder / f"org{org_id}.csv"
        organization_frame(index, organizations, rows, seed, skew, missing).to_csv(
            path, index=False)
        files.append(path)
        orgs.append({"id": org_id, "name": f"hospital{org_id}",
                     "country": _COUNTRIES[index % len(_COUNTRIES)]})
        nodes.append({"organization": org_id, "collaboration": 1,
                      "databases": [{"label": "default", "uri": path.name, "type": "csv"}]})
    scenario = {
        "name": f"generated: {organizations} organizations x {rows} rows (seed {seed})",
        "organizations": orgs,
        "collaborations": [{"id": 1, "name": "generated", "organizations":
                            [o["id"] for o in orgs], "encrypted": False}],
        "nodes": nodes,
        "users": [{"username": RESEARCHER[0], "password": RESEARCHER[1], "organization": 2,
                   "roles": ["Researcher"], "firstname": "Ada", "lastname": "Researcher"}],
        "algorithms": {**AVERAGE, **(algorithms or {})},
    }
    scenario_path = folder / "scenario.yaml"
    scenario_path.write_text(yaml.safe_dump(scenario, sort_keys=False))
    return Generated(scenario_path, files)
