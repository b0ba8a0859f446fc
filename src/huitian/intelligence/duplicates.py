"""Duplicate candidates: open orders about the same matter as a new one (重复件识别).

Pure logic, no database. :class:`DuplicateIndex` keeps the open orders of one process in memory:

- **Blocking.** An order is filed under a few keys: its spatial cell (``radius_m`` wide) and day, its
  area (orders without a point) and day, its caller's phone, its city part (asset). A lookup reads the
  3×3 cells around the query point for every day of the time window, plus the query's area, caller and
  asset: a few hundred dict reads, never a scan.
- **Scoring.** Each candidate gets a weighted sum of text similarity (cosine of character n-gram TF-IDF
  vectors, :class:`huitian.intelligence.textprep.CharNgramTfidf`; each stored order keeps its
  ``top_k`` heaviest n-grams), nearness, recency, same caller and same city part. Candidates at or
  above ``threshold`` come back, best first, with the reasons that scored.

The vectoriser hashes character 1- and 2-grams (textprep's rolling hash) into 2**22 columns, so no
n-gram is ever out of vocabulary; its idf comes from the orders the index was built from (and any
background texts) and stays fixed until the next build; an n-gram never seen gets the highest idf.
"""

from __future__ import annotations

import math
import threading
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from huitian.intelligence.textprep import _ngram_keys

__all__ = ["Candidate", "DuplicateIndex", "Item", "Weights"]

EARTH_M_PER_DEG = 111_320.0
DAY_S = 86_400.0


@dataclass(frozen=True)
class Item:
    """What the index needs of an order."""

    id: int
    text: str
    created_at: datetime
    lat: float | None = None
    lon: float | None = None
    area_path: str | None = None
    asset_id: int | None = None
    phone: str | None = None

    @property
    def has_point(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True)
class Weights:
    text: float = 0.60
    near: float = 0.15
    recent: float = 0.10
    same_caller: float = 0.15
    same_asset: float = 0.10


@dataclass
class Candidate:
    id: int
    score: float
    text_similarity: float
    distance_m: float | None
    hours_apart: float
    reasons: list[str] = field(default_factory=list)


REASON_LABELS = {
    "similar_text": "诉求内容相似",
    "nearby": "地点相近",
    "same_area": "同一网格/社区",
    "recent": "时间相近",
    "same_caller": "同一来电人",
    "same_asset": "同一城市部件",
}


class HashedTfidf:
    """Sublinear TF-IDF over hashed character n-grams of normalised text, L2-normalised rows."""

    def __init__(self, ngram_range: tuple[int, int] = (1, 2), bits: int = 22) -> None:
        self.ngram_range = ngram_range
        self.bits = bits
        self.mask = np.uint64((1 << bits) - 1)
        self.idf = np.ones(1 << bits, dtype=np.float32)

    @property
    def n_features(self) -> int:
        return 1 << self.bits

    def fit(self, texts: Sequence[str]) -> HashedTfidf:
        df = np.zeros(1 << self.bits, dtype=np.float64)
        for i in range(0, len(texts), 4096):
            docs, keys = _ngram_keys(list(texts[i : i + 4096]), *self.ngram_range)
            pairs = np.unique(docs.astype(np.uint64) << np.uint64(32) | (keys & self.mask))
            np.add.at(df, (pairs & self.mask).astype(np.int64), 1.0)
        n = len(texts)
        self.idf = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
        return self

    def rows(self, texts: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """(cols, vals) of each text's unit TF-IDF vector."""
        docs, keys = _ngram_keys(texts, *self.ngram_range)
        codes = docs.astype(np.uint64) << np.uint64(32) | (keys & self.mask)
        codes, counts = np.unique(codes, return_counts=True)
        doc_of = (codes >> np.uint64(32)).astype(np.int64)
        cols = (codes & self.mask).astype(np.int64)
        vals = (1.0 + np.log(counts)).astype(np.float32) * self.idf[cols]
        bounds = np.searchsorted(doc_of, np.arange(len(texts) + 1))
        out = []
        for i in range(len(texts)):
            c, v = cols[bounds[i] : bounds[i + 1]], vals[bounds[i] : bounds[i + 1]]
            norm = float(np.sqrt((v * v).sum())) or 1.0
            out.append((c, v / norm))
        return out


class DuplicateIndex:
    """In-memory index of open orders for duplicate lookup (thread-safe for add/remove/lookup)."""

    def __init__(
        self,
        vectoriser: HashedTfidf,
        *,
        radius_m: float = 300.0,
        window_h: float = 72.0,
        top_k: int = 48,
        threshold: float = 0.42,
        weights: Weights | None = None,
        capacity: int = 1024,
        scratch: np.ndarray | None = None,
    ) -> None:
        self.vec = vectoriser
        self.radius_m = radius_m
        self.window_s = window_h * 3600.0
        self.top_k = top_k
        self.threshold = threshold
        self.weights = weights or Weights()
        self._lock = threading.RLock()
        self._n = 0
        self._slot_of: dict[int, int] = {}
        self._ids = np.zeros(capacity, dtype=np.int64)
        self._alive = np.zeros(capacity, dtype=bool)
        self._t = np.zeros(capacity, dtype=np.float64)  # epoch seconds
        self._lat = np.full(capacity, np.nan)
        self._lon = np.full(capacity, np.nan)
        self._cols = np.zeros((capacity, top_k), dtype=np.int32)
        self._vals = np.zeros((capacity, top_k), dtype=np.float32)
        # Area, caller and city part of each slot as integers (-1: none), compared as arrays at lookup;
        # areas and phones are interned (their numbers mean nothing outside this index).
        self._area = np.full(capacity, -1, dtype=np.int64)
        self._phone = np.full(capacity, -1, dtype=np.int64)
        self._asset = np.full(capacity, -1, dtype=np.int64)
        self._interned: dict[tuple[str, str], int] = {}
        # Bucket → slots, as int64 arrays (read at lookup as NumPy views, without a Python loop).
        self._buckets: dict[tuple, array] = {}
        # A dense copy of the query vector, zeroed again after each lookup.
        self._scratch = np.zeros(vectoriser.n_features, dtype=np.float32) if scratch is None else scratch
        self.max_id = 0

    # -- building -------------------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        items: Sequence[Item],
        *,
        background: Sequence[str] = (),
        fit_sample: int = 50_000,
        seed: int = 0,
        **options,
    ) -> DuplicateIndex:
        """An index of ``items``; idf from (a sample of) their texts and the ``background`` texts."""
        texts = [it.text for it in items]
        if len(texts) > fit_sample:
            rng = np.random.default_rng(seed)
            texts = [texts[i] for i in rng.choice(len(texts), fit_sample, replace=False)]
        vec = HashedTfidf(options.pop("ngram_range", (1, 2))).fit([*texts, *background])
        index = cls(vec, capacity=max(len(items), 1024), **options)
        index.add(items)
        return index

    def __len__(self) -> int:
        return int(self._alive[: self._n].sum())

    def _grow(self, need: int) -> None:
        cap = self._ids.shape[0]
        if need <= cap:
            return
        new = max(need, cap * 2)

        def grow(a: np.ndarray, fill) -> np.ndarray:
            out = np.full((new, *a.shape[1:]), fill, dtype=a.dtype)
            out[:cap] = a
            return out

        self._ids, self._alive, self._t = grow(self._ids, 0), grow(self._alive, False), grow(self._t, 0.0)
        self._lat, self._lon = grow(self._lat, np.nan), grow(self._lon, np.nan)
        self._cols, self._vals = grow(self._cols, 0), grow(self._vals, 0.0)
        self._area, self._phone, self._asset = (
            grow(self._area, -1),
            grow(self._phone, -1),
            grow(self._asset, -1),
        )

    def _intern(self, kind: str, value: str | None, *, add: bool) -> int:
        """The number of an area path or phone in this index; -1 for none (or, on lookup, unseen)."""
        if value is None:
            return -1
        key = (kind, value)
        number = self._interned.get(key)
        if number is None:
            if not add:
                return -2  # never filed: equal to no slot, and not "none" either
            number = self._interned[key] = len(self._interned)
        return number

    def _sparse_rows(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The ``top_k`` heaviest features of each text, renormalised: (cols, vals) of shape (n, top_k)."""
        n, k = len(texts), self.top_k
        cols = np.zeros((n, k), dtype=np.int32)
        vals = np.zeros((n, k), dtype=np.float32)
        for i, (c, v) in enumerate(self.vec.rows(texts)):
            if c.shape[0] > k:
                top = np.argpartition(-v, k)[:k]
                c, v = c[top], v[top]
            norm = float(np.sqrt((v * v).sum())) or 1.0
            cols[i, : c.shape[0]], vals[i, : v.shape[0]] = c, v / norm
        return cols, vals

    def _cell(self, lat: float, lon: float) -> tuple[int, int]:
        cy = math.floor(lat * EARTH_M_PER_DEG / self.radius_m)
        cx = math.floor(lon * EARTH_M_PER_DEG * math.cos(math.radians(lat)) / self.radius_m)
        return cx, cy

    def _keys(self, it: Item, day: int) -> list[tuple]:
        keys: list[tuple] = []
        if it.has_point:
            keys.append(("g", *self._cell(it.lat, it.lon), day))  # type: ignore[arg-type]
        elif it.area_path:
            keys.append(("a", it.area_path, day))
        if it.phone:
            keys.append(("p", it.phone))
        if it.asset_id is not None:
            keys.append(("s", it.asset_id))
        return keys

    def add(self, items: Iterable[Item]) -> None:
        """File new (or changed) open orders; an id already present is replaced."""
        items = list(items)
        if not items:
            return
        cols, vals = self._sparse_rows([it.text for it in items])
        with self._lock:
            for it in items:
                if it.id in self._slot_of:
                    self.remove(it.id)
            start = self._n
            self._grow(start + len(items))
            for j, it in enumerate(items):
                s = start + j
                t = it.created_at.timestamp()
                self._slot_of[it.id] = s
                self._ids[s], self._alive[s], self._t[s] = it.id, True, t
                self._lat[s] = it.lat if it.has_point else np.nan
                self._lon[s] = it.lon if it.has_point else np.nan
                self._area[s] = self._intern("a", it.area_path, add=True)
                self._phone[s] = self._intern("p", it.phone, add=True)
                self._asset[s] = -1 if it.asset_id is None else it.asset_id
                for key in self._keys(it, int(t // DAY_S)):
                    bucket = self._buckets.get(key)
                    if bucket is None:
                        bucket = self._buckets[key] = array("q")
                    bucket.append(s)
                self.max_id = max(self.max_id, it.id)
            self._cols[start : start + len(items)] = cols
            self._vals[start : start + len(items)] = vals
            self._n = start + len(items)

    def remove(self, order_id: int) -> None:
        """Forget an order (merged, closed); its bucket entries are skipped until the next build."""
        with self._lock:
            s = self._slot_of.pop(order_id, None)
            if s is not None:
                self._alive[s] = False

    # -- lookup ---------------------------------------------------------------------------------------

    def _block(self, q: Item) -> np.ndarray:
        t = q.created_at.timestamp()
        day = int(t // DAY_S)
        span = int(math.ceil(self.window_s / DAY_S))
        days = range(day - span, day + span + 1)
        lists: list[array] = []
        get = self._buckets.get
        if q.has_point:
            cx, cy = self._cell(q.lat, q.lon)  # type: ignore[arg-type]
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    for d in days:
                        b = get(("g", cx + dx, cy + dy, d))
                        if b:
                            lists.append(b)
        if q.area_path:
            for d in days:
                b = get(("a", q.area_path, d))
                if b:
                    lists.append(b)
        if q.phone and (b := get(("p", q.phone))):
            lists.append(b)
        if q.asset_id is not None and (b := get(("s", q.asset_id))):
            lists.append(b)
        if not lists:
            return np.zeros(0, dtype=np.int64)
        if len(lists) == 1:
            return np.array(lists[0], dtype=np.int64)
        # Copied at once: a bucket cannot grow while a NumPy view of it is alive.
        return np.unique(np.concatenate([np.frombuffer(b, dtype=np.int64) for b in lists]))

    def candidates(self, q: Item, *, limit: int = 10, threshold: float | None = None) -> list[Candidate]:
        """Open orders that may be about the same matter as ``q``, best first (``q`` itself excluded)."""
        threshold = self.threshold if threshold is None else threshold
        qcols, qvals = self._sparse_rows_full(q.text)
        with self._lock:
            slots = self._block(q)
            if slots.shape[0] == 0:
                return []
            ok = self._alive[slots] & (self._ids[slots] != q.id)
            gap = np.abs(self._t[slots] - q.created_at.timestamp())
            ok &= gap <= self.window_s
            slots, gap = slots[ok], gap[ok]
            if slots.shape[0] == 0:
                return []
            lat, lon = self._lat[slots], self._lon[slots]
            if q.has_point:
                dy = (lat - q.lat) * EARTH_M_PER_DEG
                dx = (lon - q.lon) * EARTH_M_PER_DEG * math.cos(math.radians(q.lat))  # type: ignore[arg-type]
                dist = np.sqrt(dx * dx + dy * dy)  # NaN where the candidate has no point
            else:
                dist = np.full(slots.shape[0], np.nan)
            q_phone = self._intern("p", q.phone, add=False)
            caller = self._phone[slots] == q_phone if q.phone else np.zeros(len(slots), bool)
            asset = self._asset[slots] == q.asset_id if q.asset_id is not None else np.zeros(len(slots), bool)
            far = ~np.isnan(dist) & (dist > self.radius_m) & ~caller & ~asset
            if threshold > 0 and far.any():
                # Another place scores 0 whatever the text says: drop those before the text is scored
                # (most of the 3×3 cells around the point lie outside its radius).
                near_enough = ~far
                slots, gap, dist = slots[near_enough], gap[near_enough], dist[near_enough]
                caller, asset, far = caller[near_enough], asset[near_enough], far[near_enough]
                if slots.shape[0] == 0:
                    return []
            scratch = self._scratch
            scratch[qcols] = qvals
            text = (scratch[self._cols[slots]] * self._vals[slots]).sum(axis=1)
            scratch[qcols] = 0.0
            q_area = self._intern("a", q.area_path, add=False)
            same_area = self._area[slots] == q_area if q.area_path else np.zeros(len(slots), bool)
            ids = self._ids[slots]
        w = self.weights
        near = np.where(np.isnan(dist), 0.0, np.clip(1.0 - np.nan_to_num(dist) / self.radius_m, 0.0, 1.0))
        # Without two points, the same area counts as half-near.
        near = np.where(np.isnan(dist) & same_area, 0.5, near)
        recent = 1.0 - gap / self.window_s
        score = w.text * text + w.near * near + w.recent * recent + w.same_caller * caller
        score = np.minimum(score + w.same_asset * asset, 1.0)
        score[far] = 0.0  # another place: a different matter whatever the text says
        keep = np.flatnonzero(score >= threshold)
        keep = keep[np.argsort(-score[keep], kind="stable")][:limit]
        out = []
        for i in keep:
            reasons = []
            if text[i] >= 0.4:
                reasons.append("similar_text")
            if not np.isnan(dist[i]) and dist[i] <= self.radius_m:
                reasons.append("nearby")
            elif same_area[i]:
                reasons.append("same_area")
            if gap[i] <= DAY_S:
                reasons.append("recent")
            if caller[i]:
                reasons.append("same_caller")
            if asset[i]:
                reasons.append("same_asset")
            out.append(
                Candidate(
                    id=int(ids[i]),
                    score=round(float(score[i]), 4),
                    text_similarity=round(float(text[i]), 4),
                    distance_m=None if np.isnan(dist[i]) else round(float(dist[i]), 1),
                    hours_apart=round(float(gap[i]) / 3600.0, 2),
                    reasons=reasons,
                )
            )
        return out

    def _sparse_rows_full(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        return self.vec.rows([text])[0]

    def pair_score(self, a: Item, b: Item) -> float:
        """The score of ``b`` as a duplicate of ``a`` with no blocking (for evaluation): 0 if not a
        candidate at all."""
        probe = DuplicateIndex(
            self.vec,
            radius_m=self.radius_m,
            window_h=self.window_s / 3600.0,
            top_k=self.top_k,
            threshold=0.0,
            weights=self.weights,
            capacity=1,
            scratch=self._scratch,
        )
        probe.add([b])
        found = probe.candidates(a, threshold=0.0)
        return found[0].score if found else 0.0
