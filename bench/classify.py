"""Classification benchmark: 5-fold CV quality and single-thread inference throughput.

Prints ONE JSON line: our model's stratified k-fold macro-F1 / accuracy and the plain baseline's
(TfidfVectorizer() on the space-separated words + LinearSVC(), default parameters) on the same
folds in the same run, and inference texts/s of both (one process, one thread).

    python bench/classify.py [--csv PATH] [--folds 5] [--seed 0]

The default data is the Teddy Cup 2020 C labelled set, already word-segmented
(../shared/data/teddycup2020c_full_labelled_segmented/labelled_segmented_train.csv from the repo root).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from huitian.intelligence.classifier import (  # noqa: E402
    BaselineClassifier,
    TextClassifier,
    cross_validate,
)
from huitian.intelligence.cli import read_columns  # noqa: E402

DEFAULT_CSV = (
    REPO.parent / "shared" / "data" / "teddycup2020c_full_labelled_segmented" / "labelled_segmented_train.csv"
)


def _throughput(predict, texts: list[str], repeats: int = 3) -> float:
    """Best of ``repeats`` timings of predicting all ``texts`` in one call, as texts per second."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        predict(texts)
        best = min(best, time.perf_counter() - started)
    return len(texts) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--text-col", action="append", default=None)
    parser.add_argument("--label-col", default="label_l1")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    text_cols = args.text_col or ["text_segmented"]
    texts, labels, _ = read_columns(args.csv, text_cols, args.label_col)

    started = time.perf_counter()
    cv = cross_validate(texts, labels, folds=args.folds, seed=args.seed)
    cv_seconds = time.perf_counter() - started

    # Throughput: train once on everything, then time prediction over the whole set.
    ours = TextClassifier().fit(texts, labels)
    baseline = BaselineClassifier().fit(texts, labels)
    ours_tps = _throughput(ours.predict, texts)
    base_tps = _throughput(baseline.predict, texts)
    mean_chars = sum(len(t) for t in texts) / max(len(texts), 1)

    result = {
        "bench": "classify",
        "data": args.csv.name,
        "n": len(labels),
        "labels": len(set(labels)),
        "folds": args.folds,
        "seed": args.seed,
        "macro_f1": cv["ours"]["macro_f1"],
        "accuracy": cv["ours"]["accuracy"],
        "baseline_macro_f1": cv["baseline"]["macro_f1"],
        "baseline_accuracy": cv["baseline"]["accuracy"],
        "texts_per_s": round(ours_tps, 1),
        "baseline_texts_per_s": round(base_tps, 1),
        "mean_text_chars": round(mean_chars, 1),
        "threads": 1,
        "cv_seconds": round(cv_seconds, 1),
        "per_class_f1": cv["ours"]["per_class_f1"],
        "baseline_per_class_f1": cv["baseline"]["per_class_f1"],
        "model_params": ours.metadata["params"],
        "python": platform.python_version(),
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
