from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from huitian.intelligence.textprep import CharNgramTfidf
from huitian.lib.textnorm import normalise_many

RAW = "Ａ３区杜鹃文苑小区外的非法汽车检测站要开业了！请相关部门，尽快处理。"
SEGMENTED = "A3 区 杜鹃 文苑 小区 外 的 非法 汽车 检测站 要 开业 了 请 相关 部门 尽快 处理"


def test_char_tfidf_matches_scikit_learn() -> None:
    docs = [RAW, SEGMENTED, "小区 物业 无故 停水", "公交车 线路 调整", "物业费 乱收费 投诉 物业", "学校 招生"]
    ours = CharNgramTfidf((1, 3), min_df=1).fit(docs)
    reference = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, lowercase=False)
    reference.fit(normalise_many(docs))
    queries = [*docs, "小区停水，物业不管", "完全无关的文字"]
    mine = ours.transform(queries)
    theirs = reference.transform(normalise_many(queries))
    assert mine.shape == theirs.shape
    for i in range(len(queries)):
        assert np.allclose(np.sort(mine[i].data), np.sort(theirs[i].data))
    assert np.allclose(np.sort(ours.idf_), np.sort(reference.idf_))


def test_min_df_unlabelled_and_empty_inputs() -> None:
    docs = ["停水停电", "停水", "公交"]
    vec = CharNgramTfidf((1, 2), min_df=2).fit(docs, extra_texts=["停水了", "公交站"])
    # Only n-grams in at least two labelled texts are kept: 停, 水, 停水.
    assert vec.n_features == 3
    out = vec.transform(["", "公交", "停水"])
    assert out.shape == (3, 3)
    assert out[0].nnz == 0 and out[1].nnz == 0
    assert np.isclose(out[2].multiply(out[2]).sum(), 1.0)
    assert vec.transform([]).shape == (0, 3)
