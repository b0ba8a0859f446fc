"""Shared fixtures: a small, deterministic sample of the Teddy Cup 2020 C messages."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from huitian.intelligence.classifier import TextClassifier

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data"
SEGMENTED_CSV = DATA / "teddycup2020c_full_labelled_segmented" / "labelled_segmented_train.csv"
RAW_CSV = DATA / "teddycup2020c_gov_messages" / "labelled_messages_train.csv"
PER_CLASS = 80


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="session")
def segmented_rows() -> list[dict[str, str]]:
    return _rows(SEGMENTED_CSV)


@pytest.fixture(scope="session")
def raw_rows() -> list[dict[str, str]]:
    return _rows(RAW_CSV)


@pytest.fixture(scope="session")
def sample(segmented_rows: list[dict[str, str]]) -> tuple[list[str], list[str]]:
    """PER_CLASS segmented messages of each label, not used as raw twins in the tests."""
    rng = random.Random(4)
    by_label: dict[str, list[str]] = {}
    for row in segmented_rows:
        if not row["in_teddy_sample_split"]:
            by_label.setdefault(row["label_l1"], []).append(row["text_segmented"])
    texts: list[str] = []
    labels: list[str] = []
    for label in sorted(by_label):
        for text in rng.sample(by_label[label], PER_CLASS):
            texts.append(text)
            labels.append(label)
    return texts, labels


@pytest.fixture(scope="session")
def model(sample: tuple[list[str], list[str]]) -> TextClassifier:
    texts, labels = sample
    return TextClassifier().fit(texts, labels)
