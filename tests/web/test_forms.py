"""web/forms.py's `submit`, on a real database: what `save` wrote is committed and the answer is the
redirect (or the page) `ok` names; when `save` fails part-way nothing it wrote is kept, and `again` gets
the errors by field with their status."""

from __future__ import annotations

import pytest
from fastapi.responses import PlainTextResponse
from pydantic import ValidationError

from huitian.errors import Conflict
from huitian.units import service as units_service
from huitian.units.schemas import UnitCreate
from huitian.web.forms import submit


def _codes(db) -> set[str]:
    with db.read() as session:
        return {u.code for u in units_service.list_units(session)}


def _create(session, code: str, name: str = "自来水公司"):
    return units_service.create_unit(
        session, data=UnitCreate.model_validate({"code": code, "name": name, "kind": "utility"})
    )


def _again(seen: list):
    def again(errors: dict[str, str], status: int):
        seen.append((errors, status))
        return PlainTextResponse("again", status_code=status)

    return again


def test_a_saved_form_is_committed_and_redirected_to_the_url_ok_makes_of_the_result(db):
    seen: list = []
    with db.write() as session:
        r = submit(
            session,
            lambda: _create(session, "WATER"),
            ok=lambda u: f"/admin/units/{u.code}",
            again=_again(seen),
        )
    assert (r.status_code, r.headers["location"], seen) == (303, "/admin/units/WATER", [])
    assert "WATER" in _codes(db)


def test_ok_may_be_a_whole_page_instead_of_a_url(db):
    with db.write() as session:
        r = submit(
            session,
            lambda: _create(session, "GAS"),
            ok=lambda u: PlainTextResponse(f"created {u.code}"),
            again=_again([]),
        )
    assert (r.status_code, r.body) == (200, b"created GAS")
    assert "GAS" in _codes(db)


def test_a_domain_error_after_a_write_keeps_nothing_and_shows_the_error_under_its_field(db):
    seen: list = []

    def save():
        _create(session, "HALF")  # written (flushed) before the error
        raise Conflict("unit code 'ST1' exists", field="code")

    with db.write() as session:
        r = submit(session, save, ok="/nowhere", again=_again(seen))
        assert r.status_code == 409
        assert "HALF" not in {u.code for u in units_service.list_units(session)}
    assert seen == [({"code": "当前状态不允许此操作:unit code 'ST1' exists"}, 409)]
    assert "HALF" not in _codes(db)


def test_a_validation_error_is_a_422_with_the_message_in_chinese(db):
    seen: list = []
    with db.write() as session:
        r = submit(session, lambda: _create(session, "bad code!", name=""), ok="/nowhere", again=_again(seen))
    assert r.status_code == 422
    assert seen == [({"code": "只能使用字母、数字、下划线(_)和连字符(-)", "name": "至少 1 个字符"}, 422)]


def test_the_caller_may_read_the_errors_and_the_status_its_own_way(db):
    seen: list = []
    with db.write() as session:
        submit(
            session,
            lambda: units_service.get_by_code(session, code="NOPE"),
            ok="/nowhere",
            again=_again(seen),
            errors=lambda exc: {"unit": exc.message},
            status=lambda exc: exc.status_code,
        )
    assert seen == [({"unit": "unit 'NOPE' not found"}, 404)]


def test_other_exceptions_are_not_taken_for_form_errors(db):
    seen: list = []

    def save():
        raise RuntimeError("a bug, not a form error")

    with db.write() as session, pytest.raises(RuntimeError):
        submit(session, save, ok="/nowhere", again=_again(seen))
    assert seen == []


def test_a_validation_error_raised_by_hand_is_a_form_error_too(db):
    seen: list = []

    def save():
        raise ValidationError.from_exception_data("X", [{"type": "missing", "loc": ("kind",), "input": None}])

    with db.write() as session:
        submit(session, save, ok="/nowhere", again=_again(seen))
    assert seen == [({"kind": "必填"}, 422)]
