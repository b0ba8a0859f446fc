"""The monthly ranking of streets/towns and their tiers (先进类 / 进步类 / 整改类 / 治理类)."""

from __future__ import annotations

from huitian.kpi.enums import DEFAULTS, Tier
from huitian.kpi.service import assign_tiers
from tests.kpi.conftest import S2, bj, handled


def test_streets_are_ranked_best_score_first_with_the_best_advanced_and_the_worst_under_governance(api, db):
    with db.write() as s:
        handled(s, at=bj(3, 2), callback=(True, "satisfied"))  # S1: 1.0
        handled(s, at=bj(3, 3), where=S2, unit="ST2", contact_after_h=30, callback=(True, "dissatisfied"))
        s.commit()  # S2: 0.1·0 + 0.45·1 + 0.45·0 = 0.45
    r = api.get("operator", "/api/v1/kpi/ranking", params={"month": "2026-03"})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [(i["key"], i["rank"], i["tier"]) for i in items] == [("S1", 1, "先进类"), ("S2", 2, "治理类")]
    assert items[1]["score"] == 0.45


def test_a_street_without_figures_is_listed_last_unranked(api, db):
    with db.write() as s:
        handled(s, at=bj(3, 2), callback=(True, "satisfied"))
        s.commit()
    items = api.get("operator", "/api/v1/kpi/ranking", params={"month": "2026-03"}).json()["items"]
    assert [(i["key"], i["rank"], i["tier"], i["score"]) for i in items] == [
        ("S1", 1, "先进类", 1.0),
        ("S2", None, None, None),
    ]


def test_the_ranking_shows_the_change_on_the_previous_month(api, db):
    with db.write() as s:
        handled(s, at=bj(2, 2), callback=(False, "dissatisfied"))  # February: 0.1
        handled(s, at=bj(3, 2), callback=(True, "satisfied"))  # March: 1.0
        s.commit()
    s1 = api.get("operator", "/api/v1/kpi/ranking", params={"month": "2026-03"}).json()["items"][0]
    assert (s1["previous_score"], s1["change"]) == (0.1, 0.9)


def test_a_street_supervisor_sees_its_own_row_with_its_place_among_all(api, db):
    with db.write() as s:
        handled(s, at=bj(3, 2), callback=(True, "satisfied"))
        handled(s, at=bj(3, 3), where=S2, unit="ST2", callback=(True, "basically_satisfied"))
        s.commit()
    items = api.get("super2", "/api/v1/kpi/ranking", params={"month": "2026-03"}).json()["items"]
    assert [(i["key"], i["rank"]) for i in items] == [("S2", 2)]


def test_tiers_follow_the_rule_on_quartiles_the_floor_and_the_gain():
    scored = [("A", 0.95), ("B", 0.90), ("C", 0.85), ("D", 0.80), ("E", 0.75), ("F", 0.70), ("G", 0.55)]
    previous = {"C": 0.70, "D": 0.79, "E": None}
    tiers = assign_tiers(scored, previous, DEFAULTS)
    # 7 streets: best ceil(1.75) = 2 advanced, worst 2 governance (F, G; G is also under 0.6);
    # C gained 0.15 ≥ 0.05 → progress; D gained 0.01 and E has no previous month → rectify
    assert tiers == {
        "A": Tier.ADVANCED,
        "B": Tier.ADVANCED,
        "C": Tier.PROGRESS,
        "D": Tier.RECTIFY,
        "E": Tier.RECTIFY,
        "F": Tier.GOVERNANCE,
        "G": Tier.GOVERNANCE,
    }


def test_a_score_under_the_floor_is_governance_even_at_the_top():
    tiers = assign_tiers([("A", 0.5), ("B", 0.4)], {}, DEFAULTS)
    assert tiers == {"A": Tier.GOVERNANCE, "B": Tier.GOVERNANCE}


def test_the_tier_thresholds_are_data(api, db):
    r = api.client.put(
        "/api/v1/kpi/settings",
        headers=api.headers("admin"),
        json={"tier_governance_below": 0.0, "tier_governance_share": 0.0},
    )
    assert r.status_code == 200, r.text
    with db.write() as s:
        handled(s, at=bj(3, 2), callback=(True, "satisfied"))
        handled(s, at=bj(3, 3), where=S2, unit="ST2", contact_after_h=30, callback=(True, "dissatisfied"))
        s.commit()
    items = api.get("operator", "/api/v1/kpi/ranking", params={"month": "2026-03"}).json()["items"]
    assert [i["tier"] for i in items] == ["先进类", "整改类"]
