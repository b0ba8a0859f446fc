"""The staff console: the operator's workspace, the handler's inbox, the callback desk, the order page's
map and deadline history. Real app, real database, forms posted as a browser posts them."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta

from huitian.console import service as console
from tests.factories import IN_G1

COUNTDOWN_RE = re.compile(r'<span class="countdown" data-deadline="([^"]+)">([^<]*)</span>')


def _version(api, order: dict) -> str:
    return str(api.get("operator", f"/api/v1/orders/{order['id']}").json()["version"])


def _post(b, order: dict, api, next_: str, expect: int = 303, **fields):
    data = {"version": _version(api, order), "next": next_, **fields}
    r = b.client.post(f"/orders/{order['number']}/actions", data=data, follow_redirects=False)
    assert r.status_code == expect, r.text[:2000]
    if expect == 303:
        assert r.headers["location"] == next_
    return r


def _read(api, order: dict) -> dict:
    return api.get("operator", f"/api/v1/orders/{order['id']}").json()


# --- who may open which screen ---------------------------------------------------------------------


def test_each_screen_is_for_its_roles(browser, client):
    for path in ("/workspace", "/inbox", "/callbacks"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    assert browser("handler1").get("/workspace").status_code == 403
    assert browser("handler1").get("/callbacks").status_code == 403
    assert browser("resident1").get("/inbox").status_code == 403
    assert browser("operator").get("/inbox").status_code == 403
    nav = browser("operator").get("/orders").text
    assert 'href="/workspace"' in nav and 'href="/callbacks"' in nav and 'href="/inbox"' not in nav
    nav = browser("handler1").get("/orders").text
    assert 'href="/inbox"' in nav and 'href="/workspace"' not in nav


# --- operator workspace ----------------------------------------------------------------------------


def test_the_workspace_lists_the_queue_with_suggestions_and_duplicates(api, browser):
    first = api.create(
        lat=IN_G1[1], lon=IN_G1[0], category_code="010101", description="龙泽苑东门三盏路灯不亮,晚上看不清路"
    )
    twin = api.create(lat=IN_G1[1], lon=IN_G1[0], description="龙泽苑东门三盏路灯不亮,晚上漆黑看不清路")
    dispatched = api.create(description="已经派出的工单不在队列里")
    api.act("operator", dispatched, "dispatch", unit="ST1")
    op = browser("operator")

    page = op.get(f"/workspace?order={first['number']}").text
    queue = page.split('class="queue-list"')[1].split("</ol>")[0]
    assert first["number"] in queue and twin["number"] in queue
    assert dispatched["number"] not in queue
    assert '<kbd>1</kbd> 路灯不亮 <span class="code">010101</span>' in page  # the order's own category
    assert 'id="ws-category" name="category_code" list="category-list" maxlength="32" value="010101"' in page
    assert f'<input type="hidden" name="into" value="{twin["number"]}">' in page  # a duplicate candidate
    assert 'href="/hotline"' in page

    panel = op.get(f"/workspace/panel/{twin['number']}")
    assert panel.status_code == 200
    assert "<html" not in panel.text and 'id="ws-dispatch"' in panel.text  # the partial alone (HTMX)
    assert op.get("/workspace/panel/99999999").status_code == 404


def test_an_order_past_dispatch_shows_no_dispatch_form_in_the_workspace(api, browser):
    order = api.create(lat=IN_G1[1], lon=IN_G1[0], description="龙泽苑东门三盏路灯不亮,晚上看不清路")
    api.create(lat=IN_G1[1], lon=IN_G1[0], description="龙泽苑东门三盏路灯不亮,晚上漆黑看不清路")
    op = browser("operator")
    before = op.get(f"/workspace/panel/{order['number']}").text
    assert 'id="ws-dispatch"' in before and "并入此单" in before
    api.act("operator", order, "dispatch", unit="ST1")
    after = op.get(f"/workspace/panel/{order['number']}").text
    assert 'id="ws-dispatch"' not in after and 'id="ws-no-dispatch"' in after and "待签收" in after
    closed = api.create(type="consultation", description="咨询公积金提取办法")
    api.act("operator", closed, "answer", text="请携带身份证到公积金中心办理")
    done = op.get(f"/workspace/panel/{closed['number']}").text
    assert 'id="ws-dispatch"' not in done and 'id="ws-no-dispatch"' in done


def test_dispatch_with_co_units_is_one_step_of_several_events(api, browser):
    order = api.create(lat=IN_G1[1], lon=IN_G1[0], category_code="010101")
    op = browser("operator")
    data = {
        "version": _version(api, order),
        "unit": "ST1",
        "category_code": "010101",
        "priority": "urgent",
        "co_unit": ["BUR", "UT"],
        "task": "城管委查路灯线路,热力公司查管沟",
    }
    r = op.client.post(f"/workspace/{order['number']}/dispatch", data=data, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/workspace"
    done = _read(api, order)
    assert done["status"] == "dispatched" and done["lead_unit"] == "ST1"
    assert done["priority"] == "urgent" and done["time_limit_class"] == "emergency"
    assert done["events"][1]["payload"]["priority"] == "urgent"
    roles = {(a["unit"], a["role"]): a["task"] for a in done["assignments"]}
    assert roles[("BUR", "co")] == roles[("UT", "co")] == "城管委查路灯线路,热力公司查管沟"
    assert [e["kind"] for e in done["events"]] == ["created", "dispatch", "add_co_unit", "add_co_unit"]
    assert order["number"] not in op.get("/workspace").text.split('class="queue-list"')[-1]


def test_dispatch_with_a_co_unit_but_no_task_writes_nothing(api, browser):
    order = api.create(category_code="010101")
    op = browser("operator")
    data = {"version": _version(api, order), "unit": "ST1", "co_unit": "BUR"}
    r = op.client.post(f"/workspace/{order['number']}/dispatch", data=data, follow_redirects=False)
    assert r.status_code == 422
    assert "task" in r.text and 'role="alert"' in r.text
    after = _read(api, order)
    assert after["status"] == "received" and after["assignments"] == []
    assert [e["kind"] for e in after["events"]] == ["created"]


def test_merging_from_the_workspace_comes_back_to_it(api, browser):
    target = api.create(description="天通苑北一区3号楼前绿地被圈占")
    dup = api.create(description="天通苑北一区3号楼前绿地被人圈起来")
    op = browser("operator")
    _post(op, dup, api, "/workspace", action="merge", into=target["number"])
    assert _read(api, dup)["status"] == "merged"
    assert _read(api, dup)["merged_into"] == target["number"]


# --- handler inbox ---------------------------------------------------------------------------------


def test_the_inbox_lists_the_units_orders_by_deadline_with_countdowns(api, browser):
    later = api.create(category_code="010101", description="普通时限的工单")  # 7 working days
    sooner = api.create(category_code="020101", description="供暖不热,24小时时限")
    other = api.create(description="派给二街道的工单")
    for o, unit in ((later, "ST1"), (sooner, "ST1"), (other, "ST2")):
        api.act("operator", o, "dispatch", unit=unit)
    page = browser("handler1").get("/inbox").text
    numbers = re.findall(r'<li class="inbox-row [a-z]*" data-number="(\d+)">', page)
    assert sorted(numbers) == sorted([sooner["number"], later["number"]])  # ST2's order is not here
    dues = [datetime.fromisoformat(d) for d, _ in COUNTDOWN_RE.findall(page)]
    assert len(dues) == 2 and dues == sorted(dues)  # nearest deadline first
    assert other["number"] not in page
    # first comes the acceptance deadline, counting down; the accept button is right there
    due, text = COUNTDOWN_RE.findall(page)[0]
    assert text.startswith("剩余 ")
    assert datetime.fromisoformat(due) > datetime.now(UTC)
    assert f'action="/orders/{later["number"]}/actions" class="quick q-accept"' in page
    assert 'id="h-rates"' not in page and 'id="h-pending"' not in page  # the lead's panels only

    h1 = browser("handler1")
    _post(h1, later, api, "/inbox", action="accept")
    assert _read(api, later)["status"] == "accepted"
    page = h1.get("/inbox").text
    row = page.split(f'data-number="{later["number"]}"')[1].split("</li>")[0]
    assert "联系群众期限" in row
    assert "<summary>申请延期</summary>" in row and "<summary>办理答复</summary>" in row


def test_co_units_see_their_task_and_reply_from_the_inbox(api, browser):
    order = api.create(category_code="010101")
    api.act("operator", order, "dispatch", unit="ST1")
    api.act("operator", order, "add_co_unit", unit="BUR", task="查清路灯线路归属")
    bureau = browser("bureau")
    row = bureau.get("/inbox").text.split(f'data-number="{order["number"]}"')[1].split("</li>")[0]
    assert "协办任务:查清路灯线路归属" in row and "协办" in row
    _post(bureau, order, api, "/inbox", action="accept")
    _post(bureau, order, api, "/inbox", action="reply", text="线路属区城管委,已修复")
    co = [a for a in _read(api, order)["assignments"] if a["unit"] == "BUR"][0]
    assert co["status"] == "replied" and co["reply_text"] == "线路属区城管委,已修复"
    assert order["number"] not in bureau.get("/inbox").text  # replied: nothing left to do


def test_the_unit_lead_approves_an_extension_and_sees_the_rates(api, browser):
    order = api.create(category_code="010101")
    api.act("operator", order, "dispatch", unit="ST1")
    handler, lead = browser("handler1"), browser("lead1")
    _post(handler, order, api, "/inbox", action="accept")
    _post(handler, order, api, "/inbox", action="request_extension", days="3", reason="需协调物业更换线路")
    before = _read(api, order)["reply_due"]

    page = lead.get("/inbox").text
    assert "三率" in page and 'data-rate="response"' in page
    pending = page.split('id="h-pending"')[1].split("</section>")[0]
    assert order["number"] in pending and "申请延期3个工作日:需协调物业更换线路" in pending
    _post(lead, order, api, "/inbox", action="decide_extension", approve="true", reason="同意")
    after = _read(api, order)
    assert after["reply_due"] > before and after["extension_days"] == 3
    assert "没有待审批的延期申请。" in lead.get("/inbox").text

    detail = handler.detail(order["number"])
    moves = detail.split('id="h-moves"')[1].split("</section>")[0]
    assert "审批延期" in moves and "答复期限" in moves and " → " in moves


def test_urgency_and_countdown_text():
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert console.urgency(None, now) == ""
    assert console.urgency(now - timedelta(minutes=1), now) == "overdue"
    assert console.urgency(now + timedelta(hours=5), now) == "soon"
    assert console.urgency(now + timedelta(days=2), now) == "ok"
    assert console.countdown(now + timedelta(days=2, hours=3), now) == "剩余 2天3小时"
    assert console.countdown(now - timedelta(hours=1, minutes=5), now) == "超时 1小时5分"


# --- callback desk ---------------------------------------------------------------------------------


def _replied(api, **fields) -> dict:
    order = api.create(category_code="010101", citizen_name="李秀英", citizen_phone="13912345678", **fields)
    api.act("operator", order, "dispatch", unit="ST1")
    api.act("handler1", order, "accept")
    api.act("handler1", order, "reply", text="已更换灯泡")
    return order


def test_the_callback_desk_records_the_callback_and_closes(api, browser):
    order = _replied(api)
    op = browser("operator")
    page = op.get("/callbacks").text
    due = page.split('id="h-due"')[1].split('id="h-done"')[0]
    assert order["number"] in due and "已更换灯泡" in due
    assert "李秀英" in due and "13912345678" in due  # the callback desk calls the citizen
    _post(
        op, order, api, "/callbacks", action="callback", resolved="true", satisfaction="satisfied", comment=""
    )
    page = op.get("/callbacks").text
    done = page.split('id="h-done"')[1]
    assert order["number"] in done and "已解决,满意" in done
    assert "q-close" in done and "q-reopen" not in done  # satisfied: nothing to reopen
    _post(op, order, api, "/callbacks", action="close")
    assert _read(api, order)["status"] == "closed"
    assert order["number"] not in op.get("/callbacks").text


def test_an_unresolved_callback_can_be_reopened_from_the_desk(api, browser):
    order = _replied(api)
    op = browser("operator")
    _post(op, order, api, "/callbacks", action="callback", resolved="false", satisfaction="dissatisfied")
    done = op.get("/callbacks").text.split('id="h-done"')[1]
    assert "未解决,不满意" in done and "q-reopen" in done
    _post(op, order, api, "/callbacks", action="reopen", reason="群众反映仍不亮")
    after = _read(api, order)
    assert after["status"] == "dispatched" and after["reopen_count"] == 1


def test_a_bad_callback_is_refused_with_the_field_named(api, browser):
    order = _replied(api)
    op = browser("operator")
    r = _post(op, order, api, "/callbacks", expect=422, action="callback", resolved="true")
    assert "满意度" in r.text
    assert _read(api, order)["status"] == "replied"


# --- order page ------------------------------------------------------------------------------------


def test_the_order_page_maps_the_point_in_its_grid(api, browser):
    order = api.create(lat=IN_G1[1], lon=IN_G1[0])
    page = browser("operator").detail(order["number"])
    m = re.search(r'data-geojson="([^"]+)"', page)
    assert m, "no map"
    shape = json.loads(html.unescape(m.group(1)))
    kinds = [(f["properties"]["kind"], f["geometry"]["type"]) for f in shape["features"]]
    assert kinds == [("area", "Polygon"), ("order", "Point")]
    assert shape["features"][0]["properties"]["name"] == "一社区第1网格"
    assert shape["features"][1]["geometry"]["coordinates"] == [IN_G1[0], IN_G1[1]]
    assert "答复期限未变动。" in page

    bare = api.create(description="没有坐标的工单")
    assert "该工单没有坐标。" in browser("operator").detail(bare["number"])


def test_the_order_page_lists_merged_orders(api, browser):
    target = api.create(description="绿地被圈占")
    dup = api.create(description="绿地被圈占改停车位")
    api.act("operator", dup, "merge", into=target["number"])
    page = browser("operator").detail(target["number"])
    related = page.split('id="h-related"')[1].split("</section>")[0]
    assert dup["number"] in related
    page = browser("operator").detail(dup["number"])
    assert f'本工单已并入 <a href="/orders/{target["number"]}">' in page


# --- reply with photos -----------------------------------------------------------------------------


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def test_a_reply_carries_photos_that_the_order_page_shows(api, browser, tmp_path, monkeypatch):
    monkeypatch.setenv("HUITIAN_UPLOAD_DIR", str(tmp_path / "uploads"))
    order = api.create(category_code="010101")
    api.act("operator", order, "dispatch", unit="ST1")
    api.act("handler1", order, "accept")
    handler = browser("handler1")
    form = handler.detail(order["number"])
    assert 'enctype="multipart/form-data"' in form and 'name="photos" type="file"' in form
    data = {"action": "reply", "version": _version(api, order), "text": "已修复,附现场照片", "next": "/inbox"}
    token = re.findall(r'name="csrf_token" value="([^"]+)"', form)[0]
    r = handler.client.post(
        f"/orders/{order['number']}/actions",
        data={**data, "csrf_token": token},
        files=[("photos", ("after.png", _png(), "image/png"))],
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:1000]
    assert _read(api, order)["status"] == "replied"
    page = handler.detail(order["number"])
    assert "照片(1 张)" in page and "/photos/" in page
    listed = api.get("operator", f"/api/v1/orders/{order['number']}/photos").json()
    assert [(p["width"], p["height"]) for p in listed] == [(64, 48)]


def test_a_bad_photo_refuses_the_reply_and_writes_nothing(api, browser, tmp_path, monkeypatch):
    monkeypatch.setenv("HUITIAN_UPLOAD_DIR", str(tmp_path / "uploads"))
    order = api.create(category_code="010101")
    api.act("operator", order, "dispatch", unit="ST1")
    api.act("handler1", order, "accept")
    handler = browser("handler1")
    form = handler.detail(order["number"])
    token = re.findall(r'name="csrf_token" value="([^"]+)"', form)[0]
    data = {"action": "reply", "version": _version(api, order), "text": "附件不是图片", "csrf_token": token}
    r = handler.client.post(
        f"/orders/{order['number']}/actions",
        data=data,
        files=[("photos", ("notes.txt", b"not an image", "text/plain"))],
        follow_redirects=False,
    )
    assert 400 <= r.status_code < 500
    alert = re.search(r'<p class="alert" role="alert" id="action-error">([^<]+)</p>', r.text)
    assert alert and "photos" in alert.group(1), r.text[:2000]
    assert _read(api, order)["status"] == "accepted"
    assert api.get("operator", f"/api/v1/orders/{order['number']}/photos").json() == []
