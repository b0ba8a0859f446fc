"""The plans domain's rooms (issue 15): no module over 600 lines, and plans/service.py is the one public
face, re-exporting the work that lives in the modules by concern."""

from pathlib import Path

from huitian.plans import service

PLANS = Path(service.__file__).parent


def test_no_plans_module_is_over_600_lines():
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in PLANS.glob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 600} == {}


def test_the_service_face_offers_what_callers_use():
    for name in service.__all__:
        assert callable(getattr(service, name)) or name.isupper(), name
    for name in ("load_seed_plans", "readable_plan", "visible_ids", "create_project", "dispatch_sheet"):
        assert name in service.__all__
