"""Label-agnostic text classifier for work orders (category at any level, lead unit, ...).

Features are character n-gram TF-IDF of the normalised text (:mod:`.textprep`), so raw Chinese
text and the same text already split into words give identical predictions, and no segmenter,
dictionary or download is needed at run time.  The model is a linear SVM; confidences come from
sigmoid calibration fitted on internal cross-validated scores (scikit-learn's
``CalibratedClassifierCV`` with ``ensemble=False``: one SVM at inference, so calibration costs
nothing per text).

Typical use::

    model = TextClassifier().fit(texts, labels)
    model.top_k(["小区楼道堆放杂物，存在消防隐患"], k=3)   # [[("城乡建设", 0.91), ...]]
    model.save("models/l1.joblib"); TextClassifier.load("models/l1.joblib")
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from huitian.intelligence.textprep import CharNgramTfidf

__all__ = [
    "FORMAT_VERSION",
    "BaselineClassifier",
    "ClassifierParams",
    "TextClassifier",
    "cross_validate",
    "score_predictions",
]

log = logging.getLogger(__name__)

FORMAT_VERSION = 1


@dataclass(frozen=True)
class ClassifierParams:
    """Hyper-parameters.  The defaults were chosen by cross-validation on the Teddy Cup 2020 set
    (see bench/classify.py) and are kept fixed, so evaluation folds never tune them."""

    ngram_range: tuple[int, int] = (1, 2)
    min_df: int = 1
    # A second block of features from the first characters only: the subject comes first.
    head_chars: int = 30
    head_ngram_range: tuple[int, int] = (1, 3)
    head_weight: float = 0.5
    C: float = 2.0
    class_weight: str | None = None
    calibration_folds: int = 3
    max_iter: int = 5000


@dataclass
class TextClassifier:
    """Character n-gram TF-IDF + linear SVM with calibrated confidences."""

    params: ClassifierParams = field(default_factory=ClassifierParams)
    metadata: dict[str, Any] = field(default_factory=dict)
    vectorizer_: CharNgramTfidf | None = None
    head_vectorizer_: CharNgramTfidf | None = None
    svm_: LinearSVC | None = None
    calibrated_: CalibratedClassifierCV | None = None
    classes_: list[str] = field(default_factory=list)

    # -- training --------------------------------------------------------------------------------
    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        unlabelled: Sequence[str] = (),
    ) -> TextClassifier:
        """Train on ``texts`` with string ``labels``.

        ``unlabelled`` texts (e.g. messages nobody labelled yet) only contribute to the idf
        statistics of the vocabulary.
        """
        if len(texts) != len(labels):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
        y = np.asarray([str(label) for label in labels], dtype=object)
        counts = Counter(y.tolist())
        if len(counts) < 2:
            raise ValueError("training needs at least two distinct labels")
        started = time.perf_counter()
        p = self.params
        self.vectorizer_ = CharNgramTfidf(p.ngram_range, min_df=p.min_df)
        self.vectorizer_.fit(texts, extra_texts=unlabelled)
        if self.vectorizer_.n_features == 0:
            # Too few texts for min_df: fall back to every n-gram seen.
            self.vectorizer_ = CharNgramTfidf(p.ngram_range, min_df=1).fit(texts, extra_texts=unlabelled)
        self.head_vectorizer_ = None
        if p.head_chars > 0 and p.head_weight > 0:
            self.head_vectorizer_ = CharNgramTfidf(p.head_ngram_range, max_chars=p.head_chars)
            self.head_vectorizer_.fit(texts, extra_texts=unlabelled)
        features = self._features(texts)
        folds = min(p.calibration_folds, min(counts.values()))
        self.calibrated_ = None
        if folds >= 2:
            # ensemble=False: sigmoid calibrators are fitted on cross-validated scores, and one SVM
            # trained on all the data is kept for inference.
            self.calibrated_ = CalibratedClassifierCV(
                self._new_svm(), method="sigmoid", cv=folds, ensemble=False
            )
            self.calibrated_.fit(features, y)
            self.svm_ = self.calibrated_.calibrated_classifiers_[0].estimator
        else:
            self.svm_ = self._new_svm().fit(features, y)
        self.classes_ = [str(c) for c in self.svm_.classes_]
        self.metadata = {
            "format": FORMAT_VERSION,
            "version": _version_string(texts, y),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "labels": self.classes_,
            "class_counts": dict(sorted(counts.items())),
            "n_train": len(y),
            "n_unlabelled": len(unlabelled),
            "n_features": self.vectorizer_.n_features
            + (self.head_vectorizer_.n_features if self.head_vectorizer_ is not None else 0),
            "params": asdict(p),
            "calibrated": self.calibrated_ is not None,
            "train_seconds": round(time.perf_counter() - started, 2),
            "sklearn_version": sklearn.__version__,
            "evaluation": {},
        }
        log.info(
            "trained text classifier %s on %d texts, %d labels, %d features",
            self.metadata["version"],
            len(y),
            len(self.classes_),
            self.metadata["n_features"],
        )
        return self

    def _new_svm(self) -> LinearSVC:
        p = self.params
        return LinearSVC(C=p.C, class_weight=p.class_weight, max_iter=p.max_iter)

    # -- inference -------------------------------------------------------------------------------
    def _features(self, texts: Sequence[str]) -> sp.csr_matrix:
        if self.vectorizer_ is None:
            raise RuntimeError("the classifier is not trained")
        features = self.vectorizer_.transform(texts)
        if self.head_vectorizer_ is not None:
            head = self.head_vectorizer_.transform(texts) * self.params.head_weight
            features = sp.hstack([features, head], format="csr")
        return features

    def _scores(self, features: sp.csr_matrix) -> np.ndarray:
        assert self.svm_ is not None
        scores = self.svm_.decision_function(features)
        if scores.ndim == 1:  # binary problem: sklearn gives one column
            scores = np.column_stack([-scores, scores])
        return scores

    def _proba(self, features: sp.csr_matrix, scores: np.ndarray) -> np.ndarray:
        if self.calibrated_ is not None:
            return self.calibrated_.predict_proba(features)
        # Too little data to calibrate: a softmax of the margins is the best we can say.
        z = scores * 2.0
        z -= z.max(axis=1, keepdims=True)
        expd = np.exp(z)
        return expd / expd.sum(axis=1, keepdims=True)

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        """Raw SVM scores, shape (n_texts, n_labels), columns in ``classes_`` order."""
        return self._scores(self._features(texts))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, shape (n_texts, n_labels), columns in ``classes_`` order."""
        features = self._features(texts)
        return self._proba(features, self._scores(features))

    def predict(self, texts: Sequence[str]) -> list[str]:
        """Most likely label of each text (the SVM's decision)."""
        if not len(texts):
            return []
        best = self.decision_function(texts).argmax(axis=1)
        return [self.classes_[i] for i in best]

    def top_k(self, texts: Sequence[str], k: int = 3) -> list[list[tuple[str, float]]]:
        """The ``k`` best labels of each text with calibrated confidence, best first.

        The first entry is always ``predict``'s label.
        """
        if not len(texts):
            return []
        features = self._features(texts)
        scores = self._scores(features)
        proba = self._proba(features, scores)
        best = scores.argmax(axis=1)
        k = max(1, min(k, len(self.classes_)))
        out: list[list[tuple[str, float]]] = []
        for row, top in zip(proba, best, strict=True):
            order = [int(top)] + [int(i) for i in np.argsort(-row, kind="stable") if i != top][: k - 1]
            out.append([(self.classes_[i], round(float(row[i]), 4)) for i in order])
        return out

    # -- persistence ------------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        if self.svm_ is None:
            raise RuntimeError("the classifier is not trained")
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump({"format": FORMAT_VERSION, "metadata": self.metadata, "model": self}, target, compress=3)
        return target

    @classmethod
    def load(cls, path: str | Path) -> TextClassifier:
        payload = joblib.load(Path(path))
        if not isinstance(payload, dict) or payload.get("format") != FORMAT_VERSION:
            raise ValueError(f"{path} is not a Huitian text classifier (format {FORMAT_VERSION})")
        model = payload["model"]
        if not isinstance(model, cls):
            raise ValueError(f"{path} does not hold a {cls.__name__}")
        return model


def _version_string(texts: Sequence[str], labels: np.ndarray) -> str:
    digest = hashlib.sha1()
    for text, label in zip(texts, labels, strict=True):
        digest.update(str(label).encode())
        digest.update(b"\x1f")
        digest.update(str(text).encode())
        digest.update(b"\x1e")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{digest.hexdigest()[:8]}"


class BaselineClassifier:
    """The plain reference: ``TfidfVectorizer()`` on space-separated words + ``LinearSVC()``,
    both with scikit-learn's default parameters."""

    def __init__(self) -> None:
        self.vectorizer = TfidfVectorizer()
        self.svm = LinearSVC()

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> BaselineClassifier:
        self.svm.fit(self.vectorizer.fit_transform(texts), list(labels))
        return self

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [str(label) for label in self.svm.predict(self.vectorizer.transform(texts))]


def score_predictions(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    """Macro-F1, accuracy and per-label F1 of a set of predictions."""
    labels = sorted(set(truth) | set(predicted))
    per_class = f1_score(truth, predicted, labels=labels, average=None, zero_division=0)
    return {
        "macro_f1": round(float(f1_score(truth, predicted, average="macro", zero_division=0)), 4),
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
        "per_class_f1": {label: round(float(v), 4) for label, v in zip(labels, per_class, strict=True)},
    }


def cross_validate(
    texts: Sequence[str],
    labels: Sequence[str],
    folds: int = 5,
    seed: int = 0,
    *,
    params: ClassifierParams | None = None,
    unlabelled: Sequence[str] = (),
    include_baseline: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Stratified k-fold cross-validation of our model and, on the same folds, of the baseline.

    Every model is trained on the training part of a fold only; nothing is tuned on test folds.
    Returns ``{"ours": {...}, "baseline": {...}, "folds": k, "n": n, "seed": seed}`` where each
    entry has ``macro_f1``, ``accuracy``, ``per_class_f1`` and ``train_seconds``.
    """
    text_arr = list(texts)
    y = np.asarray([str(label) for label in labels], dtype=object)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    ours = np.empty(len(y), dtype=object)
    base = np.empty(len(y), dtype=object)
    seconds = {"ours": 0.0, "baseline": 0.0}
    for fold, (train_idx, test_idx) in enumerate(splitter.split(np.zeros(len(y)), y)):
        train_texts = [text_arr[i] for i in train_idx]
        test_texts = [text_arr[i] for i in test_idx]
        started = time.perf_counter()
        model = TextClassifier(params=params or ClassifierParams())
        model.fit(train_texts, y[train_idx].tolist(), unlabelled=unlabelled)
        ours[test_idx] = model.predict(test_texts)
        seconds["ours"] += time.perf_counter() - started
        if include_baseline:
            started = time.perf_counter()
            baseline = BaselineClassifier().fit(train_texts, y[train_idx].tolist())
            base[test_idx] = baseline.predict(test_texts)
            seconds["baseline"] += time.perf_counter() - started
        if progress is not None:
            progress(fold + 1, folds)
    result: dict[str, Any] = {"folds": folds, "seed": seed, "n": len(y)}
    result["ours"] = score_predictions(y.tolist(), ours.tolist()) | {"seconds": round(seconds["ours"], 1)}
    if include_baseline:
        result["baseline"] = score_predictions(y.tolist(), base.tolist()) | {
            "seconds": round(seconds["baseline"], 1)
        }
    return result
