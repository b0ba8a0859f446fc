from __future__ import annotations

import re
from pathlib import Path

import pytest

from huitian.intelligence.classifier import TextClassifier, cross_validate


def test_raw_and_segmented_text_get_the_same_prediction(model: TextClassifier, sample) -> None:
    texts, _ = sample
    segmented = texts[::20]
    joined = [t.replace(" ", "") for t in segmented]
    punctuated = ["，".join(t.split(" ")) + "。" for t in segmented]
    assert model.predict(segmented) == model.predict(joined) == model.predict(punctuated)
    assert model.top_k(segmented) == model.top_k(joined)


def test_real_raw_messages_match_their_segmented_twins(
    model: TextClassifier, segmented_rows, raw_rows
) -> None:
    """The same messages, raw (subject + detail) and as segmented by another team (stop words
    removed), are mostly classified alike, and both mostly correctly."""
    raw_by_id = {r["message_id"]: r for r in raw_rows}
    raw, seg, truth = [], [], []
    for row in segmented_rows:
        ids = [i for i in re.split(r"[;,\s]+", row["sample_message_ids"]) if i in raw_by_id]
        if ids:
            message = raw_by_id[ids[0]]
            raw.append(f"{message['subject']} {message['detail']}")
            seg.append(row["text_segmented"])
            truth.append(row["label_l1"])
    assert len(raw) > 300
    raw_pred, seg_pred = model.predict(raw), model.predict(seg)
    agree = sum(a == b for a, b in zip(raw_pred, seg_pred, strict=True)) / len(raw)
    assert agree >= 0.85
    raw_acc = sum(a == b for a, b in zip(raw_pred, truth, strict=True)) / len(raw)
    assert raw_acc >= 0.75


def test_top_k_is_calibrated_and_led_by_predict(model: TextClassifier, sample) -> None:
    texts, _ = sample
    probe = texts[:7]
    ranked = model.top_k(probe, k=3)
    assert [r[0][0] for r in ranked] == model.predict(probe)
    for row in ranked:
        assert len(row) == 3
        assert len({label for label, _ in row}) == 3
        assert all(0.0 <= conf <= 1.0 for _, conf in row)
        assert row[1][1] >= row[2][1]
    proba = model.predict_proba(probe)
    assert proba.shape == (7, 7)
    assert abs(float(proba.sum(axis=1).mean()) - 1.0) < 1e-6
    assert model.top_k(probe, k=99)[0].__len__() == 7


def test_save_load_round_trip(model: TextClassifier, sample, tmp_path: Path) -> None:
    texts, labels = sample
    path = model.save(tmp_path / "sub" / "model.joblib")
    loaded = TextClassifier.load(path)
    assert loaded.predict(texts[:50]) == model.predict(texts[:50])
    assert loaded.top_k(texts[:5]) == model.top_k(texts[:5])
    meta = loaded.metadata
    assert meta["labels"] == sorted(set(labels))
    assert meta["n_train"] == len(labels)
    assert meta["version"] and meta["created_at"] and "evaluation" in meta
    assert meta["params"]["C"] == model.params.C


def test_load_rejects_other_files(tmp_path: Path) -> None:
    import joblib

    joblib.dump({"something": "else"}, tmp_path / "x.joblib")
    with pytest.raises(ValueError):
        TextClassifier.load(tmp_path / "x.joblib")


def test_a_correction_changes_the_next_model(model: TextClassifier, sample) -> None:
    texts, labels = sample
    probe = "小区 门口 新建 公交 站台 占用 人行道 行人 通行 不便"
    first = model.predict([probe])[0]
    corrected = next(label for label in model.classes_ if label != first)
    # The operator corrects this order; the correction joins the history for the next training.
    retrained = TextClassifier().fit([*texts, probe], [*labels, corrected])
    assert retrained.predict([probe])[0] == corrected
    assert retrained.metadata["version"] != model.metadata["version"]


def test_label_agnostic_and_small_data() -> None:
    texts = ["停车 收费 太 贵", "路灯 坏 了", "学校 招生 问题", "停车位 被 占"]
    units = ["交通支队", "城管委", "教委", "交通支队"]
    clf = TextClassifier().fit(texts, units)
    assert clf.calibrated_ is None  # too few examples per label to calibrate
    assert clf.predict(["停车 收费"]) == ["交通支队"]
    assert clf.top_k(["路灯"], k=2)[0][0][0] == "城管委"
    with pytest.raises(ValueError):
        TextClassifier().fit(["a", "b"], ["x", "x"])


def test_cross_validate_reports_ours_and_baseline(sample) -> None:
    texts, labels = sample
    result = cross_validate(texts[::2], labels[::2], folds=3, seed=0)
    assert result["n"] == len(texts[::2]) and result["folds"] == 3
    for key in ("ours", "baseline"):
        assert 0.5 < result[key]["macro_f1"] <= 1.0
        assert 0.5 < result[key]["accuracy"] <= 1.0
        assert len(result[key]["per_class_f1"]) == 7
