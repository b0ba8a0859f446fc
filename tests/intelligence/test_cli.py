from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from huitian.intelligence.cli import app

runner = CliRunner()


def _write(
    path: Path, rows: list[dict[str, str]], delimiter: str = ",", bom: bool = True, encoding: str = "utf-8"
) -> Path:
    if encoding == "utf-8" and bom:
        encoding = "utf-8-sig"
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _rows(sample) -> list[dict[str, str]]:
    texts, labels = sample
    rows = []
    for text, label in zip(texts, labels, strict=True):
        words = text.split(" ")
        rows.append({"subject": " ".join(words[:8]), "detail": " ".join(words[8:]), "label": label})
    return rows


def test_train_then_evaluate_prints_one_json_line(sample, tmp_path: Path) -> None:
    rows = _rows(sample)
    train_csv = _write(tmp_path / "train.csv", rows[::2])
    test_tsv = _write(tmp_path / "test.tsv", rows[1::2], delimiter="\t", bom=False)
    model_path = tmp_path / "models" / "l1.joblib"
    common = ["--text-col", "subject", "--text-col", "detail", "--label-col", "label"]
    result = runner.invoke(app, ["train", "--csv", str(train_csv), *common, "--out", str(model_path)])
    assert result.exit_code == 0, result.output
    assert model_path.exists()
    assert json.loads(result.output.strip().splitlines()[-1])["n_train"] == len(rows[::2])

    result = runner.invoke(app, ["evaluate", "--model", str(model_path), "--csv", str(test_tsv), *common])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    report = json.loads(lines[0])
    assert {"macro_f1", "accuracy", "n", "texts_per_s"} <= set(report)
    assert report["n"] == len(rows[1::2])
    assert 0.6 < report["macro_f1"] <= 1.0 and 0.6 < report["accuracy"] <= 1.0
    assert report["texts_per_s"] > 0


def test_missing_column_is_a_clear_error(sample, tmp_path: Path) -> None:
    train_csv = _write(tmp_path / "train.csv", _rows(sample)[:20])
    args = ["train", "--csv", str(train_csv), "--text-col", "subject", "--text-col", "body"]
    result = runner.invoke(app, [*args, "--label-col", "category", "--out", str(tmp_path / "m.joblib")])
    assert result.exit_code == 2
    assert "body" in result.output and "category" in result.output
    assert not (tmp_path / "m.joblib").exists()


def test_evaluate_rejects_a_file_that_is_not_a_model(sample, tmp_path: Path) -> None:
    data = _write(tmp_path / "d.csv", _rows(sample)[:5])
    args = ["--csv", str(data), "--text-col", "subject", "--label-col", "label"]
    result = runner.invoke(app, ["evaluate", "--model", str(data), *args])
    assert result.exit_code == 2


def test_a_gbk_file_reads_as_its_utf8_twin(sample, tmp_path: Path) -> None:
    from huitian.intelligence.cli import read_columns

    rows = _rows(sample)[:40]
    utf8 = read_columns(_write(tmp_path / "u.csv", rows), ["subject", "detail"], "label")
    gbk = read_columns(_write(tmp_path / "g.csv", rows, encoding="gb18030"), ["subject", "detail"], "label")
    assert gbk == utf8 and len(utf8[0]) == 40


def test_an_undecodable_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"subject,label\n" + bytes([0x81, 0x30, 0xFF, 0xFF]) + b",x\n")
    args = ["train", "--csv", str(bad), "--text-col", "subject", "--label-col", "label"]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "m.joblib")])
    assert result.exit_code == 2
    assert "编码" in result.output and not (tmp_path / "m.joblib").exists()
