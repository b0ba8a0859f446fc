"""Labelled pairs of orders for duplicate detection: (a) from the demo generator, (b) from real messages.

(a) Demo (`demo_set`). Each *matter* is a (community, third-level category, point, time) drawn at random
from the demo's areas (areas.geojson: a point near the community's centre) and categories. A matter is
reported 2-4 times: every report's text is a fresh `TextGen.order(...)` draw for the same category and
community (a different opener, wording of the issue, demand, address detail: a paraphrase), its point is
jittered by up to ~80 m, its time by up to 24 h after the first report; one report in five comes from
the first report's caller. Every pair of reports of one matter is a **positive**. Negatives, one set
per kind, each as many as the matters:
- `same_place_other_matter`: a report at the same point and time but of another category (hard);
- `same_matter_far`: the same category, another community (≥ 1 km away), same time;
- `same_matter_later`: the same category and place, 10-20 days later (outside the 72 h window: a new
  occurrence, not a duplicate).

(b) Real (`real_set`), from teddycup2020c_gov_messages/messages_with_votes.csv (4,318 citizen messages,
anonymised places). A message's *place* is the most specific place name in its subject (regex: a name
ending in 小区/花园/广场/学校/医院/公司/村/路/街/城/苑/园/项目…, with the anonymised prefix A市/A2区/…
stripped; street and town names only when nothing finer is named). Within one place, the subject with
its place names and region prefixes removed is compared by character-bigram Jaccard:
- **positive**: the same place and a Jaccard ≥ 0.4 (the subjects say the same thing: "丽发新城附近建搅拌站
  噪音扰民" / "丽发新城违建搅拌站彻夜施工扰民");
- **negative**: the same place and a Jaccard ≤ 0.08 (another matter at the same place);
- pairs in between are left out (ambiguous).
The scorer is then given only the message *detail* (not the subject the label came from), the place as
its area, no point, and its posting time; the window is opened to the whole data set because these
messages span 2017-2020 and are not a 12345 intake stream.

    .venv/bin/python bench/dup_labels.py   # prints the sizes of both sets
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from huitian.demo import catalog
from huitian.demo.textgen import TextGen
from huitian.intelligence.duplicates import Item

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "teddycup2020c_gov_messages" / "messages_with_votes.csv"
if not REAL.exists():
    REAL = Path("/work/shared/data/teddycup2020c_gov_messages/messages_with_votes.csv")


@dataclass
class LabelledSet:
    items: dict[int, Item]
    pairs: list[tuple[int, int, bool, str]]  # (query id, other id, duplicate?, kind)

    def summary(self) -> dict:
        pos = sum(1 for p in self.pairs if p[2])
        kinds: dict[str, int] = {}
        for p in self.pairs:
            kinds[p[3]] = kinds.get(p[3], 0) + 1
        return {"items": len(self.items), "pairs": len(self.pairs), "positives": pos, "kinds": kinds}


def _centres() -> list[tuple[dict, float, float]]:
    collection = json.loads(catalog.AREAS_PATH.read_text(encoding="utf-8"))
    out = []
    for f in collection["features"]:
        p = f["properties"]
        if p["level"] != "community":
            continue
        coords = f["geometry"]["coordinates"]
        ring = coords[0][0] if f["geometry"]["type"] == "MultiPolygon" else coords[0]
        lon = sum(c[0] for c in ring) / len(ring)
        lat = sum(c[1] for c in ring) / len(ring)
        out.append((p, lat, lon))
    return out


def demo_set(matters: int = 600, seed: int = 11) -> LabelledSet:
    rng = random.Random(seed)
    gen = TextGen(seed=seed)
    cats = [c for c in catalog.CATEGORIES if c["level"] == 3]
    names = {c["code"]: c["name"] for c in catalog.CATEGORIES}
    centres = _centres()
    t0 = datetime(2025, 3, 1, 8, tzinfo=UTC)
    items: dict[int, Item] = {}
    pairs: list[tuple[int, int, bool, str]] = []
    next_id = itertools.count(1)

    def report(cat: dict, com: dict, lat: float, lon: float, when: datetime, phone: str | None = None) -> int:
        text = gen.order(
            cat["name"],
            community=com["name"],
            street_code=com["parent_code"],
            topic=names[cat["parent_code"]],
        )
        i = next(next_id)
        items[i] = Item(
            id=i,
            text=f"{text.title}。{text.description}",
            created_at=when,
            lat=lat,
            lon=lon,
            area_path=f"/{com['parent_code']}/{com['code']}/",
            phone=phone or text.citizen_phone,
        )
        return i

    def jitter(lat: float, lon: float, metres: float = 80.0) -> tuple[float, float]:
        r, a = rng.uniform(0, metres), rng.uniform(0, 2 * math.pi)
        return lat + r * math.sin(a) / 111_320, lon + r * math.cos(a) / (
            111_320 * math.cos(math.radians(lat))
        )

    for _ in range(matters):
        cat = rng.choice(cats)
        com, clat, clon = rng.choice(centres)
        lat, lon = jitter(clat, clon, 300)
        when = t0 + timedelta(days=rng.uniform(0, 60))
        first = report(cat, com, lat, lon, when)
        reports = [first]
        for _ in range(rng.randint(1, 3)):
            phone = items[first].phone if rng.random() < 0.2 else None
            reports.append(
                report(cat, com, *jitter(lat, lon), when + timedelta(hours=rng.uniform(0, 24)), phone)
            )
        pairs += [(b, a, True, "paraphrase") for a, b in itertools.combinations(reports, 2)]
        other = rng.choice([c for c in cats if c["parent_code"] != cat["parent_code"]])
        pairs.append(
            (
                report(other, com, *jitter(lat, lon), when + timedelta(hours=rng.uniform(0, 24))),
                first,
                False,
                "same_place_other_matter",
            )
        )
        far_com, flat, flon = rng.choice([c for c in centres if abs(c[1] - clat) + abs(c[2] - clon) > 0.015])
        pairs.append(
            (
                report(cat, far_com, flat, flon, when + timedelta(hours=rng.uniform(0, 24))),
                first,
                False,
                "same_matter_far",
            )
        )
        later = when + timedelta(days=rng.uniform(10, 20))
        pairs.append((report(cat, com, *jitter(lat, lon), later), first, False, "same_matter_later"))
    return LabelledSet(items, pairs)


PREFIX = re.compile(r"(?:西地省|[A-Z]\d*市|[A-Z]\d*区|[A-Z]\d*县)")
PLACE = re.compile(
    r"([\u4e00-\u9fa5A-Za-z0-9]{2,12}?(?:小区|花园|广场|学院|大学|中学|小学|学校|幼儿园|医院|公司|社区|村|镇|"
    r"街道|大道|路|街|城|苑|府|园|湾|项目|市场))"
)
FILLER = re.compile(r"(?:关于|投诉|反映|举报|建议|咨询|请问|问题|的|了|吗|呢|！|？|，|。|、|\s|\(|\)|（|）)")
COARSE = ("街道", "镇")


def place_of(subject: str) -> str | None:
    found = [PREFIX.sub("", m) for m in PLACE.findall(PREFIX.sub(" ", subject))]
    found = [f for f in found if len(f) >= 3]
    if not found:
        return None
    fine = [f for f in found if not f.endswith(COARSE)]
    return max(fine or found, key=len)


def _bigrams(s: str) -> set[str]:
    return {s[i : i + 2] for i in range(len(s) - 1)}


def subject_core(subject: str) -> str:
    s = PREFIX.sub("", subject)
    for m in PLACE.findall(s):
        s = s.replace(m, "")
    return FILLER.sub("", s)


def _parse_time(s: str) -> datetime:
    try:
        return datetime.fromisoformat(s).replace(tzinfo=UTC)
    except ValueError:
        return datetime(2019, 1, 1, tzinfo=UTC)


def real_set(path: Path = REAL, positive: float = 0.4, negative: float = 0.08) -> LabelledSet:
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    by_place: dict[str, list[dict]] = {}
    for r in rows:
        p = place_of(r["subject"])
        if p:
            by_place.setdefault(p, []).append(r)
    items: dict[int, Item] = {}
    pairs: list[tuple[int, int, bool, str]] = []
    ids = itertools.count(1)
    for place, group in by_place.items():
        if len(group) < 2:
            continue
        local = []
        for r in group:
            i = next(ids)
            items[i] = Item(
                id=i, text=r["detail"], created_at=_parse_time(r["posted_at"]), area_path=f"/{place}/"
            )
            local.append((i, _bigrams(subject_core(r["subject"]))))
        for (a, ga), (b, gb) in itertools.combinations(local, 2):
            if not ga or not gb:
                continue
            j = len(ga & gb) / len(ga | gb)
            if j >= positive:
                pairs.append((b, a, True, "same_subject_same_place"))
            elif j <= negative:
                pairs.append((b, a, False, "other_subject_same_place"))
    return LabelledSet(items, pairs)


if __name__ == "__main__":
    print(json.dumps({"demo": demo_set().summary(), "real": real_set().summary()}, ensure_ascii=False))
