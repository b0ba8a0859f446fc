"""The plans' forms (督办 notes and their follow-up) through web/forms.py `submit`: a form about a task or
project the user cannot see is the 404 page with nothing written; a form the service refuses comes back
with the error beside its field and what was typed."""

from __future__ import annotations

import re

from huitian.plans import service
from tests.plans.test_pages import world  # noqa: F401
from tests.web.conftest import browser, client  # noqa: F401


def _notes(api, project_id: int) -> list:
    with api.client.app.state.db.read() as s:
        return [(n.text, n.follow_up, n.resolved_at) for n in service.notes_of(s, project_id=project_id)]


def test_a_note_on_a_missing_project_is_the_404_page_and_writes_nothing(api, browser):  # noqa: F811
    data = {"project_id": "99999", "text": "请于月底前完成", "due": "2022-06-30"}
    r = browser("planner").client.post("/plans/notes", data=data, follow_redirects=False)
    assert r.status_code == 404 and "未找到该任务或项目。" in r.text
    assert _notes(api, 99999) == []


def test_an_empty_note_comes_back_with_the_error_and_the_due_date_typed(api, browser, world):  # noqa: F811
    data = {"project_id": str(world["mine"]), "text": " ", "due": "2022-06-30"}
    r = browser("planner").client.post("/plans/notes", data=data, follow_redirects=False)
    assert r.status_code == 422
    assert re.search(r'id="n-text"[^>]*aria-invalid="true"', r.text) and 'value="2022-06-30"' in r.text
    assert _notes(api, world["mine"]) == []


def test_another_units_follow_up_is_the_404_page_and_the_note_stays_open(api, browser, world):  # noqa: F811
    data = {"project_id": str(world["mine"]), "text": "请于月底前追回工期"}
    assert (
        browser("planner").client.post("/plans/notes", data=data, follow_redirects=False).status_code == 303
    )
    with api.client.app.state.db.read() as s:
        (note,) = service.notes_of(s, project_id=world["mine"])
    r = browser("handler2").client.post(
        f"/plans/notes/{note.id}/follow-up",
        data={"follow_up": "越权", "resolved": "1"},
        follow_redirects=False,
    )
    assert r.status_code == 404 and f"未找到督办事项 {note.id}。" in r.text
    assert _notes(api, world["mine"]) == [("请于月底前追回工期", None, None)]
