"""The order page: facts, deadlines, units, the timeline, and exactly the actions the caller may take."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tests.factories import IN_G1
from tests.web.conftest import ACTION_RE


def allowed(api, username: str, order: dict) -> list[str]:
    return api.get(username, f"/api/v1/orders/{order['id']}").json()["allowed_actions"]


def test_the_buttons_are_exactly_the_allowed_actions(api, browser):
    order = api.create(lat=IN_G1[1], lon=IN_G1[0], category_code="010101")
    number = order["number"]
    op, handler = browser("operator"), browser("handler1")

    shown = op.actions(number)
    assert "dispatch" in shown
    assert shown == allowed(api, "operator", order)
    page = op.detail(number)
    assert '<button type="submit" class="primary">派单</button>' in page
    assert '<option value="ST1">一街道办事处(ST1)</option>' in page  # units to dispatch to
    assert '<option value="HOTLINE">' not in page
    assert 'name="outcome"' in page  # closing at intake needs an Art. 11 outcome

    assert browser("handler2").get(f"/orders/{number}").status_code == 404  # not theirs: not found

    op.act(number, "dispatch", unit="ST1")
    shown = handler.actions(number)
    assert "accept" in shown and "dispatch" not in shown
    assert shown == allowed(api, "handler1", order)
    assert '<button type="submit" class="primary">签收</button>' in handler.detail(number)
    assert "dispatch" not in op.actions(number)
    assert browser("resident1").get(f"/orders/{number}").status_code == 404
    assert browser("super1").actions(number) == allowed(api, "super1", order)


def test_walking_the_loop_through_the_forms(api, browser):
    order = api.create(
        lat=IN_G1[1], lon=IN_G1[0], category_code="010101", citizen_name="张三丰", citizen_phone="13812345678"
    )
    number = order["number"]
    op, handler = browser("operator"), browser("handler1")

    op.act(number, "dispatch", unit="ST1", category_code="010101")
    handler.act(number, "accept")
    handler.act(number, "contact", note="电话联系,约定明早查看")
    handler.act(number, "note", text="已派电工到场")
    handler.act(number, "reply", text="已更换灯泡,恢复照明")
    assert "callback" in op.actions(number)
    op.act(number, "callback", resolved="true", satisfaction="satisfied", comment="很及时")
    assert op.actions(number)[-1] == "close"
    assert 'name="outcome"' not in op.detail(number)  # outcome only when closing at intake
    op.act(number, "close")

    done = api.get("operator", f"/api/v1/orders/{order['id']}").json()
    assert done["status"] == "closed" and done["outcome"] == "resolved"
    page = op.detail(number)
    assert '<span class="status s-closed">已办结</span>' in page
    timeline = page.split('id="h-timeline"')[1]
    steps = ["受理登记", "派单", "签收", "联系群众", "办理记录", "办理答复", "回访", "办结"]
    labels = [chunk.split("</strong>")[0] for chunk in timeline.split('<strong class="label">')[1:]]
    assert labels == steps  # every step listed, in order
    for text in ("电话联系,约定明早查看", "已派电工到场", "已更换灯泡,恢复照明", "满意", "很及时", "已解决"):
        assert text in timeline
    assert "<dt>单位</dt><dd>一街道办事处</dd>" in timeline
    assert "<dt>是否解决</dt><dd>是</dd>" in timeline
    assert "待派单 → 待签收" in timeline
    assert "operator(12345话务员/派单员)" in timeline
    assert "handler1(承办单位工作人员) · 一街道办事处" in timeline
    created = datetime.fromisoformat(done["events"][0]["created_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    assert created.strftime("%Y-%m-%d %H:%M:%S") in timeline  # local time
    assert ACTION_RE.findall(page) == allowed(api, "operator", order) == ["mark_unreasonable"]
    assert "您当前对本工单没有可执行的操作" in handler.detail(number)
    # deadlines and units are on the page
    assert '<th scope="row">签收</th>' in page and "已完成" in page
    assert '一街道办事处 <span class="code">ST1</span>' in page and "主办" in page and "督办" in page


def test_a_stale_version_shows_the_409_message_and_changes_nothing(api, browser):
    order = api.create()
    number = order["number"]
    op = browser("operator")
    version = op.version(number)
    api.act("operator", order, "mark_unreasonable", reason="重复来电")  # someone else acts meanwhile
    r = op.client.post(
        f"/orders/{number}/actions",
        data={"action": "dispatch", "version": str(version), "unit": "ST1"},
        follow_redirects=False,
    )
    assert r.status_code == 409
    assert 'role="alert"' in r.text and "工单已被他人更新" in r.text and "当前版本 2" in r.text
    after = api.get("operator", f"/api/v1/orders/{order['id']}").json()
    assert after["status"] == "received" and after["version"] == 2
    assert [e["kind"] for e in after["events"]] == ["created", "mark_unreasonable"]
    assert 'name="version" value="2"' in r.text  # the page shows the current order to try again


def test_domain_errors_are_shown_on_the_page(api, browser):
    order = api.create()
    number = order["number"]
    op, handler = browser("operator"), browser("handler1")
    r = op.act(number, "close", expect=422)  # at intake a close needs an outcome
    assert "填写的内容不完整或有误" in r.text and "outcome" in r.text
    r = op.act(number, "dispatch", expect=422, unit="NOPE")  # an unknown unit in the body names the field
    assert "NOPE" in r.text
    r = op.act(number, "return", expect=409, reason="不归我们管")
    assert "当前状态不允许此操作" in r.text
    r = op.act(number, "request_extension", expect=422, days="abc", reason="x")
    assert "延期工作日" in r.text
    r = op.act(number, "fly", expect=422)
    assert "操作" in r.text
    op.act(number, "dispatch", unit="ST1")
    r = handler.act(number, "reply", expect=403, text="想跳过签收")
    assert "无权执行此操作" in r.text
    r = handler.act(number, "return", expect=422)  # reason missing
    assert "reason" in r.text
    states = api.get("operator", f"/api/v1/orders/{order['id']}").json()
    assert states["status"] == "dispatched"
    assert [e["kind"] for e in states["events"]] == ["created", "dispatch"]
    outsider = browser("handler2").client
    r = outsider.post(f"/orders/{number}/actions", data={"action": "accept", "version": "2"})
    assert r.status_code == 404


def test_return_extension_and_whistle_forms(api, browser):
    order = api.create(lat=IN_G1[1], lon=IN_G1[0])
    number = order["number"]
    op, handler, lead, sup = browser("operator"), browser("handler1"), browser("lead1"), browser("super1")
    op.act(number, "dispatch", unit="ST1")
    handler.act(number, "return", reason="不属于本街道职责")
    assert "dispatch" in op.actions(number)
    op.act(number, "dispatch", unit="ST1")
    handler.act(number, "accept")
    sup.act(number, "add_co_unit", unit="BUR", task="协调城管执法")
    handler.act(number, "request_extension", days="3", reason="需协调多个部门")
    assert "decide_extension" in lead.actions(number)
    assert "申请延期3个工作日:需协调多个部门" in lead.detail(number)
    lead.act(number, "decide_extension", approve="true")
    page = op.detail(number)
    timeline = page.split('id="h-timeline"')[1]
    for text in (
        "<dt>原因</dt><dd>不属于本街道职责</dd>",
        "<dt>任务</dt><dd>协调城管执法</dd>",
        "<dt>单位</dt><dd>区城管委</dd>",
        "<dt>审批结果</dt><dd>同意</dd>",
        "<dt>延期工作日</dt><dd>3</dd>",
        "<dt>新答复期限</dt>",
    ):
        assert text in timeline
    assert "协办" in page and "已延期" in page


def test_personal_data_is_masked_as_the_service_masks_it(api, browser):
    order = api.create(lat=IN_G1[1], lon=IN_G1[0], citizen_name="张三丰", citizen_phone="13812345678")
    number = order["number"]
    supervisor = browser("super1").detail(number)
    assert "138****5678" in supervisor and "13812345678" not in supervisor
    assert "张**" in supervisor and "张三丰" not in supervisor
    operator = browser("operator").detail(number)
    assert "13812345678" in operator and "张三丰" in operator
    listing = browser("super1").get("/orders").text
    assert "138****5678" in listing and "13812345678" not in listing


def test_text_from_citizens_is_escaped(api, browser):
    order = api.create(title="<script>alert(1)</script>", description="<b>粗体</b> & 其他")
    op = browser("operator")
    page = op.detail(order["number"])
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;粗体&lt;/b&gt; &amp; 其他" in page
    op.act(order["number"], "note", text="<img src=x onerror=alert(1)>")
    assert "<img src=x" not in op.detail(order["number"])
    assert "&lt;script&gt;" in op.get("/orders").text
