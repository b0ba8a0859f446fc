"""Key phrases of the monthly topics: jieba words and word pairs without stop words, class-based
TF-IDF (a cluster of orders against the rest of the month) and the texts that represent a cluster.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache
from statistics import fmean

_STOP = frozenset(
    "的 了 和 是 在 有 我 我们 你 他 她 它 这 那 就 也 都 而 及 与"
    " 着 或 一个 没有 不 要 请 请求 希望 反映 问题 处理 解决 尽快 相关 部门 市民 来电 诉求 情况"
    " 表示 目前 现在 已经 一直 非常 严重 经常 每天 今天 昨天 一下 小区 附近 位于 称 能否 是否 进行 导致"
    " 造成 影响 存在 没 还 很 被 把 给 对 让 从 到 为 以 但 因为 所以"
    # the hotline's own formulae around a caller's words
    " 来电人 人家 人称 家住 了解 咨询 话务员 知识库 根据 具体"
    " 办理 流程 材料 所需 明显 此前 多次 曾向 至今".split()
)
_WORD = re.compile(r"^[\u4e00-\u9fffA-Za-z]{2,}$")


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    return jieba


def terms(text: str) -> list[str]:
    """The words (two characters or more, no stop words) of a text and its adjacent word pairs."""
    return list(_terms(text or ""))


@lru_cache(maxsize=20_000)
def _terms(text: str) -> tuple[str, ...]:
    words = [w for w in _jieba().lcut(text) if _WORD.match(w) and w not in _STOP]
    return tuple(words + [a + b for a, b in zip(words, words[1:], strict=False) if len(a + b) <= 8])


def c_tf_idf(classes: dict[str, list[list[str]]], top: int = 8) -> dict[str, list[tuple[str, float]]]:
    """Class-based TF-IDF (each class's documents joined into one): weight(t, c) = tf(t, c) ÷ |c| ×
    log(1 + A ÷ f(t)), A the mean number of terms per class, f(t) the term's count in all classes."""
    tf = {c: Counter(t for doc in docs for t in set(doc)) for c, docs in classes.items()}
    total = Counter()
    for counter in tf.values():
        total.update(counter)
    sizes = {c: sum(counter.values()) or 1 for c, counter in tf.items()}
    mean_size = fmean(sizes.values()) if sizes else 1.0
    out = {}
    for c, counter in tf.items():
        scored = [
            (t, n / sizes[c] * math.log(1 + mean_size / total[t])) for t, n in counter.items() if n >= 2
        ]
        scored.sort(key=lambda x: (-x[1], x[0]))
        chosen: list[tuple[str, float]] = []
        for t, w in scored:
            if any(t in kept or kept in t for kept, _ in chosen):
                continue  # a pair and its own words say the same thing
            chosen.append((t, round(w, 5)))
            if len(chosen) == top:
                break
        out[c] = chosen
    return out


def _representatives(docs: list[tuple[int, str, list[str]]], weights: dict[str, float], n: int = 3):
    def score(doc: tuple[int, str, list[str]]) -> float:
        ts = set(doc[2])
        return sum(weights.get(t, 0.0) for t in ts) / math.sqrt(len(ts) + 1)

    return sorted(docs, key=lambda d: (-score(d), d[0]))[:n]
