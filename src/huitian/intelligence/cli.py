"""`huitian model ...`: train and evaluate text classifiers from CSV files.

    huitian model train --csv FILE --text-col COL [--text-col COL2] --label-col COL --out MODEL_PATH
    huitian model evaluate --model MODEL_PATH --csv FILE --text-col COL [--text-col COL2] --label-col COL

``evaluate`` prints one JSON line with ``macro_f1``, ``accuracy``, ``n`` and ``texts_per_s``.
Until the main CLI mounts this app, run it as ``python -m huitian.intelligence.cli``.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from huitian.intelligence.classifier import TextClassifier, score_predictions

app = typer.Typer(help="文本分类模型", no_args_is_help=True, add_completion=False)

log = logging.getLogger(__name__)

_DELIMITERS = ",\t;|"


def _raise_field_limit() -> None:
    limit = sys.maxsize
    while True:
        try:
            csv.field_size_limit(limit)
            return
        except OverflowError:
            limit //= 10


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def read_columns(path: Path, text_cols: list[str], label_col: str) -> tuple[list[str], list[str], int]:
    """Texts (the text columns joined with a space) and labels of a CSV or TSV file.

    UTF-8 with or without BOM, else GB18030 (which reads GBK and GB2312: what Excel on a Chinese
    Windows writes as "CSV"); the delimiter (comma, tab, semicolon or bar) is detected from the
    header line.  Rows with an empty label are skipped; their count is returned third.
    Raises ``typer.BadParameter`` naming any missing column.
    """
    _raise_field_limit()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise typer.BadParameter(f"无法读取文件 {path}: {exc.strerror}", param_hint="--csv") from exc
    try:
        content = _decode(raw)
    except UnicodeDecodeError as exc:
        raise typer.BadParameter(
            f"文件 {path} 的编码无法识别（第 {exc.start} 字节）：请用 UTF-8 或 GBK/GB18030 保存",
            param_hint="--csv",
        ) from exc
    with io.StringIO(content, newline="") as handle:
        header_line = handle.readline()
        handle.seek(0)
        delimiter = max(_DELIMITERS, key=header_line.count) if header_line.strip() else ","
        if header_line.count(delimiter) == 0:
            delimiter = ","
        reader = csv.DictReader(handle, delimiter=delimiter)
        columns = [c.strip() for c in (reader.fieldnames or [])]
        reader.fieldnames = columns
        missing = [c for c in [*text_cols, label_col] if c not in columns]
        if missing:
            raise typer.BadParameter(
                f"文件 {path} 中没有列: {', '.join(missing)}（已有的列: {', '.join(columns) or '无'}）",
                param_hint="--text-col/--label-col",
            )
        texts: list[str] = []
        labels: list[str] = []
        skipped = 0
        for row in reader:
            label = (row.get(label_col) or "").strip()
            if not label:
                skipped += 1
                continue
            texts.append(" ".join((row.get(c) or "").strip() for c in text_cols))
            labels.append(label)
    return texts, labels, skipped


CsvOpt = Annotated[
    Path,
    typer.Option("--csv", help="CSV/TSV 文件（UTF-8 或 GBK/GB18030）", exists=True, dir_okay=False),
]
TextColOpt = Annotated[list[str], typer.Option("--text-col", help="文本列（可重复，多列以空格连接）")]
LabelColOpt = Annotated[str, typer.Option("--label-col", help="标签列")]


@app.command()
def train(
    csv_path: CsvOpt,
    text_col: TextColOpt,
    label_col: LabelColOpt,
    out: Annotated[Path, typer.Option("--out", help="模型保存路径")],
) -> None:
    """从带标签的 CSV 训练分类模型。"""
    texts, labels, skipped = read_columns(csv_path, text_col, label_col)
    if len(set(labels)) < 2:
        raise typer.BadParameter(f"列 {label_col} 至少需要两个不同的标签", param_hint="--label-col")
    model = TextClassifier().fit(texts, labels)
    model.metadata["source"] = {
        "csv": str(csv_path),
        "text_cols": text_col,
        "label_col": label_col,
        "skipped_without_label": skipped,
    }
    model.save(out)
    summary = {
        "model": str(out),
        "version": model.metadata["version"],
        "n_train": len(labels),
        "labels": len(model.classes_),
        "skipped": skipped,
        "train_seconds": model.metadata["train_seconds"],
    }
    typer.echo(json.dumps(summary, ensure_ascii=False))


@app.command()
def evaluate(
    model_path: Annotated[Path, typer.Option("--model", help="模型文件", exists=True, dir_okay=False)],
    csv_path: CsvOpt,
    text_col: TextColOpt,
    label_col: LabelColOpt,
) -> None:
    """在带标签的 CSV 上评估模型，输出一行 JSON。"""
    try:
        model = TextClassifier.load(model_path)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is a bad --model
        raise typer.BadParameter(f"无法加载模型 {model_path}: {exc}", param_hint="--model") from exc
    texts, labels, skipped = read_columns(csv_path, text_col, label_col)
    # One text first, untimed: the first call's one-time set-up (the character table, lazy imports) is
    # not inference throughput, and would dominate the figure for a file of a few hundred rows.
    if texts:
        model.predict(texts[:1])
    started = time.perf_counter()
    predicted = model.predict(texts)
    elapsed = time.perf_counter() - started
    scores = score_predictions(labels, predicted) if labels else {"macro_f1": 0.0, "accuracy": 0.0}
    result = {
        "macro_f1": scores["macro_f1"],
        "accuracy": scores["accuracy"],
        "n": len(labels),
        "texts_per_s": round(len(texts) / elapsed, 1) if elapsed > 0 else None,
        "skipped": skipped,
        "model_version": model.metadata.get("version"),
        "per_class_f1": scores.get("per_class_f1", {}),
    }
    typer.echo(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    app()
