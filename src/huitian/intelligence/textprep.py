"""Fast, segmentation-independent text features for Chinese work-order text.

The classifier must give the same answer for a raw message ("小区物业无故停水，请处理。") and for
the same message already split into words ("小区 物业 无故 停水 请 处理").  Both are reduced by
:func:`huitian.lib.textnorm.normalise` to one canonical string (NFKC, lower case, whitespace and
punctuation removed), and features are then character n-grams of that string, which need no word segmenter.

:class:`CharNgramTfidf` is a TF-IDF vectoriser over character n-grams written with NumPy: a batch
of texts becomes one code-point array, every n-gram becomes a 64-bit rolling hash, and hashes are
looked up in a sorted vocabulary with ``np.searchsorted``.  It gives the same kind of matrix as
``TfidfVectorizer(analyzer="char", sublinear_tf=True)`` on normalised text, several times faster,
which is what lets inference run well above 5,000 texts/s on one core.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp

from huitian.lib.textnorm import SEP, codepoints

__all__ = ["CharNgramTfidf"]

# Rolling-hash constants (odd 64-bit multipliers); each n-gram length gets its own seed so that
# n-grams of different lengths never share a key by construction.
_MULT = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_SEEDS = [np.uint64(0x632BE59BD9B4E019 * (n + 1) & 0xFFFFFFFFFFFFFFFF) for n in range(16)]


def _truncate(cps: np.ndarray, max_chars: int) -> np.ndarray:
    """Keep the separators and the first ``max_chars`` code points of every document."""
    is_sep = cps == SEP
    sep_at = np.flatnonzero(is_sep)
    offset = np.arange(cps.shape[0]) - sep_at[np.cumsum(is_sep) - 1]
    return cps[offset <= max_chars]


def _ngram_keys(
    texts: Sequence[str], n_min: int, n_max: int, max_chars: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """All character n-grams (n_min..n_max) of the normalised texts as well-mixed 64-bit keys.

    With ``max_chars``, only the first ``max_chars`` normalised characters of each text count.
    Returns (doc_index, key) arrays of equal length.  N-grams never cross text boundaries.
    """
    if not texts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
    cps = codepoints(texts)
    if max_chars is not None:
        cps = _truncate(cps, max_chars)
    cps = cps.astype(np.uint64)
    is_sep = cps == SEP
    doc_of_pos = np.cumsum(is_sep) - 1  # position -> document index
    # sep_count[i] = number of separators in cps[:i]; an n-gram at i is valid if none in cps[i:i+n].
    sep_count = np.concatenate(([0], np.cumsum(is_sep)))
    size = cps.shape[0]
    docs: list[np.ndarray] = []
    keys: list[np.ndarray] = []
    rolling = np.zeros(size, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for n in range(1, n_max + 1):
            m = size - n + 1
            if m <= 0:
                break
            # rolling[i] = hash of cps[i:i+n], built from the hash of cps[i:i+n-1].
            rolling = rolling[:m] * _MULT + cps[n - 1 : n - 1 + m]
            if n < n_min:
                continue
            starts = np.flatnonzero(sep_count[n : n + m] == sep_count[:m])
            key = rolling[starts] ^ _SEEDS[n]
            # splitmix64 finaliser: spreads keys evenly over 64 bits (used for bucketed lookup).
            key ^= key >> np.uint64(30)
            key *= _MIX1
            key ^= key >> np.uint64(27)
            key *= _MIX2
            key ^= key >> np.uint64(31)
            keys.append(key)
            docs.append(doc_of_pos[starts])
    if not keys:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
    return np.concatenate(docs), np.concatenate(keys)


class _KeyIndex:
    """Exact lookup of uint64 keys in a sorted vocabulary, bucketed on the keys' top bits."""

    def __init__(self, sorted_keys: np.ndarray) -> None:
        self.keys = sorted_keys
        n = max(int(sorted_keys.shape[0]), 1)
        self.bits = min(max(int(np.ceil(np.log2(n))) + 1, 1), 26)
        self.shift = np.uint64(64 - self.bits)
        bounds = np.arange(1 << self.bits, dtype=np.uint64) << self.shift
        self.starts = np.concatenate((np.searchsorted(sorted_keys, bounds), [sorted_keys.shape[0]])).astype(
            np.int64
        )

    def lookup(self, needles: np.ndarray) -> np.ndarray:
        """Index of each needle in the vocabulary, or -1."""
        out = np.full(needles.shape[0], -1, dtype=np.int64)
        if self.keys.shape[0] == 0 or needles.shape[0] == 0:
            return out
        bucket = (needles >> self.shift).astype(np.int64)
        lo = self.starts[bucket]
        hi = self.starts[bucket + 1]
        todo = np.flatnonzero(lo < hi)
        cand = lo[todo]
        while todo.shape[0]:
            match = self.keys[cand] == needles[todo]
            out[todo[match]] = cand[match]
            cand = cand + 1
            more = ~match & (cand < hi[todo])
            todo, cand = todo[more], cand[more]
        return out


class CharNgramTfidf:
    """TF-IDF over character n-grams of normalised text (see module docstring).

    Parameters mirror scikit-learn's ``TfidfVectorizer``: smooth idf, optional sublinear tf,
    L2-normalised rows.  ``min_df`` is an absolute document count; ``max_features`` keeps the
    n-grams with the highest document frequency.  ``max_chars`` limits the features to the first
    characters of each normalised text (e.g. a work order's subject, which comes first).
    """

    batch_size = 1024

    def __init__(
        self,
        ngram_range: tuple[int, int] = (1, 3),
        *,
        min_df: int = 1,
        max_features: int | None = None,
        sublinear_tf: bool = True,
        max_chars: int | None = None,
    ) -> None:
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.max_chars = max_chars
        self.sublinear_tf = sublinear_tf
        self.vocab_keys_: np.ndarray | None = None
        self.idf_: np.ndarray | None = None
        self._index: _KeyIndex | None = None

    @property
    def n_features(self) -> int:
        return 0 if self.vocab_keys_ is None else int(self.vocab_keys_.shape[0])

    def __getstate__(self) -> dict[str, object]:
        state = self.__dict__.copy()
        state["_index"] = None  # rebuilt on load; it is derived from vocab_keys_
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        if self.vocab_keys_ is not None:
            self._index = _KeyIndex(self.vocab_keys_)

    def fit(
        self, texts: Iterable[str], y: object = None, *, extra_texts: Iterable[str] = ()
    ) -> CharNgramTfidf:
        """Learn vocabulary and idf.  ``extra_texts`` (unlabelled) only add to the idf statistics."""
        docs = list(texts)
        extra = list(extra_texts)
        n_docs = len(docs)
        doc_idx, keys = _ngram_keys(docs + extra, *self.ngram_range, self.max_chars)
        uniq_keys, inverse = np.unique(keys, return_inverse=True)
        n_uniq = uniq_keys.shape[0]
        # Document frequency: unique (doc, key) pairs, counted per key.
        pair = np.unique(doc_idx.astype(np.int64) * n_uniq + inverse.ravel())
        pair_key = pair % n_uniq
        df = np.bincount(pair_key, minlength=n_uniq)
        df_labelled = np.bincount(pair_key[pair // n_uniq < n_docs], minlength=n_uniq)
        keep = df_labelled >= max(self.min_df, 1)
        if self.max_features is not None and int(keep.sum()) > self.max_features:
            order = np.argsort(-np.where(keep, df_labelled, -1), kind="stable")
            keep = np.zeros_like(keep)
            keep[order[: self.max_features]] = True
        self.vocab_keys_ = uniq_keys[keep]
        n_total = n_docs + len(extra)
        self.idf_ = np.log((1.0 + n_total) / (1.0 + df[keep])) + 1.0
        self._index = _KeyIndex(self.vocab_keys_)
        return self

    def fit_transform(
        self, texts: Iterable[str], y: object = None, *, extra_texts: Iterable[str] = ()
    ) -> sp.csr_matrix:
        docs = list(texts)
        return self.fit(docs, extra_texts=extra_texts).transform(docs)

    def transform(self, texts: Iterable[str]) -> sp.csr_matrix:
        if self._index is None or self.idf_ is None:
            raise RuntimeError("CharNgramTfidf is not fitted")
        docs = list(texts)
        n_feat = self.n_features
        if not docs:
            return sp.csr_matrix((0, n_feat))
        parts = [
            self._transform_batch(docs[i : i + self.batch_size]) for i in range(0, len(docs), self.batch_size)
        ]
        return parts[0] if len(parts) == 1 else sp.vstack(parts, format="csr")

    def _transform_batch(self, docs: list[str]) -> sp.csr_matrix:
        assert self._index is not None and self.idf_ is not None
        n_docs = len(docs)
        n_feat = self.n_features
        doc_idx, keys = _ngram_keys(docs, *self.ngram_range, self.max_chars)
        pos = self._index.lookup(keys)
        hit = pos >= 0
        # Count each (doc, feature) pair; the sorted codes give rows in order.
        width = max(n_feat, 1)
        codes = doc_idx[hit] * width + pos[hit]
        if n_docs * width < 2**32:
            codes = codes.astype(np.uint32)  # sorts about twice as fast as int64
        codes, counts = np.unique(codes, return_counts=True)
        codes = codes.astype(np.int64)
        rows = codes // width
        cols = codes - rows * width
        values = counts.astype(np.float64)
        if self.sublinear_tf:
            np.log(values, out=values)
            values += 1.0
        values *= self.idf_[cols]
        indptr = np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=n_docs))))
        # L2 row normalisation.
        norms = np.sqrt(np.add.reduceat(values * values, indptr[:-1])) if values.size else np.zeros(n_docs)
        norms[np.diff(indptr) == 0] = 1.0
        values /= np.repeat(norms, np.diff(indptr))
        return sp.csr_matrix((values, cols.astype(np.int32), indptr), shape=(n_docs, n_feat))
