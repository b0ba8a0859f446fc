"""The 接诉即办 loop through the real pages, in Chromium, across roles: what each screen shows."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.factories import IN_G1

# --- reading and driving the order page ----------------------------------------------------------


def number_of(page: Page) -> str:
    text = page.locator(".headline .number").inner_text()
    m = re.fullmatch(r"工单编号 (\S+)", text.strip())
    assert m, text
    return m.group(1)


def status_of(page: Page) -> Locator:
    return page.locator(".headline .status")


def action_forms(page: Page) -> list[str]:
    """The titles of the action forms the page offers, in order."""
    return page.locator("section[aria-labelledby=h-actions] form.action h3").all_inner_texts()


def timeline(page: Page) -> Locator:
    return page.locator("ol.timeline > li")


def timeline_labels(page: Page) -> list[str]:
    return page.locator("ol.timeline .label").all_inner_texts()


def act(page: Page, label: str, **fields: str) -> None:
    """Fill and submit the action form titled `label`; fields by their visible label. Radio buttons
    and selects take the visible option text."""
    form = page.get_by_role("form", name=label, exact=True)
    expect(form).to_be_visible()
    for name, value in fields.items():
        group = form.get_by_role("group", name=name, exact=True)  # a fieldset of radio buttons
        if group.count():
            group.get_by_role("radio", name=value, exact=True).check()
            continue
        field = form.get_by_label(name, exact=True)
        if field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)
    url = page.url
    with page.expect_navigation(url=url):  # the form posts; the app redirects back to the order page
        form.get_by_role("button", name=label, exact=True).click()
    expect(page.locator("#action-error")).to_have_count(0)


def open_from_list(page: Page, number: str, keyword: str, status: str) -> None:
    """Find the order in the list through the keyword filter, check its row, and open it."""
    page.get_by_role("link", name="工单列表", exact=True).first.click()
    page.get_by_label("关键词", exact=True).fill(keyword)
    page.get_by_role("button", name="筛选").click()
    row = page.locator("table.orders tbody tr", has=page.get_by_role("link", name=number, exact=True))
    expect(row).to_have_count(1)
    expect(row.locator("td[data-label=状态] .status")).to_have_text(status)
    page.get_by_role("link", name=number, exact=True).click()
    expect(page).to_have_url(re.compile(f"/orders/{re.escape(number)}$"))


def fact(page: Page, name: str) -> Locator:
    """The value shown beside `name` in the order's 基本信息."""
    return page.locator("dl.facts dt", has_text=re.compile(f"^{name}$")).locator(
        "xpath=following-sibling::dd[1]"
    )


def last_entry(page: Page) -> Locator:
    return timeline(page).last


def expect_order(page: Page, status: str, steps: list[str], forms: list[str]) -> None:
    """The order page shows this status, exactly these timeline entries, exactly these action forms."""
    expect(status_of(page)).to_have_text(status)
    expect(page.locator("ol.timeline .label")).to_have_text(steps)
    assert action_forms(page) == forms
    if not forms:
        expect(page.get_by_text("您当前对本工单没有可执行的操作。")).to_be_visible()


def fill_new_order(
    page: Page, *, channel: str, description: str, address: str, name: str, phone: str
) -> None:
    page.get_by_role("link", name="登记工单").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("登记工单")
    expect(page.get_by_text(f"渠道:{channel}")).to_be_visible()
    page.get_by_label("诉求内容", exact=True).fill(description)
    page.get_by_label("地址", exact=True).fill(address)
    page.get_by_label("诉求人姓名", exact=True).fill(name)
    page.get_by_label("联系电话", exact=True).fill(phone)
    page.get_by_label("纬度(WGS-84,可选)", exact=True).fill(str(IN_G1[1]))
    page.get_by_label("经度(WGS-84,可选)", exact=True).fill(str(IN_G1[0]))


def test_the_whole_loop_across_roles(login_as, screenshot):
    # 1. A resident files a request on the web form, and sees it waiting for dispatch.
    resident = login_as("resident1")
    fill_new_order(
        resident,
        channel="网上",
        description="龙泽苑小区东门外三盏路灯连续一周不亮,晚上行人看不清路。",
        address="回龙观龙泽苑小区东门",
        name="李秀英",
        phone="13912345678",
    )
    resident.get_by_label("标题(可选,默认取诉求内容首行)", exact=True).fill("龙泽苑东门路灯不亮")
    screenshot(resident, "resident-new-order-form")
    resident.get_by_role("button", name="提交").click()
    expect(resident.get_by_role("heading", level=1)).to_have_text("龙泽苑东门路灯不亮")
    number = number_of(resident)
    expect_order(resident, "待派单", ["受理登记"], [])
    expect(fact(resident, "渠道")).to_have_text("网上平台")
    expect(fact(resident, "区域")).to_have_text(
        "测试区 / 一街道 / 一社区 / 一社区第1网格"
    )  # placed in its grid
    expect(fact(resident, "地址")).to_have_text("回龙观龙泽苑小区东门")
    expect(last_entry(resident)).to_contain_text("resident1(居民)")
    expect(last_entry(resident)).to_contain_text("— → 待派单")
    screenshot(resident, "resident-detail-filed")

    # 2. The operator picks it from the workspace's queue (no category yet: no suggestion) and dispatches
    #    it to the street office ST1 with a category, from the keyboard-first triage panel.
    operator = login_as("operator")
    screenshot(operator, "operator-order-list")
    operator.get_by_role("link", name="派单工作台").click()
    expect(operator.get_by_role("heading", level=1)).to_have_text("派单工作台")
    item = operator.locator(".queue-list a", has_text="龙泽苑东门路灯不亮")
    expect(item).to_have_count(1)
    item.click()  # HTMX swaps the triage panel in and pushes the URL
    expect(operator).to_have_url(re.compile(f"/workspace\\?order={number}$"))
    panel = operator.locator("#triage")
    expect(panel.get_by_role("heading", level=2)).to_have_text("龙泽苑东门路灯不亮")
    expect(panel).to_contain_text("李秀英 13912345678")  # the operator sees the caller
    expect(panel).to_contain_text("暂无分类建议。")
    expect(panel).to_contain_text("疑似重复工单")  # the candidates (other browser tests share this server)
    operator.locator("body").press("u")  # keyboard: u goes to the lead unit
    expect(operator.get_by_label("主办单位", exact=True)).to_be_focused()
    operator.get_by_label("主办单位", exact=True).select_option(label="一街道办事处(ST1)")
    operator.get_by_label("分类代码", exact=True).fill("010101")
    screenshot(operator, "operator-workspace")
    with operator.expect_navigation(url=re.compile("/workspace$")):
        panel.get_by_role("button", name="派单", exact=True).click()
    expect(operator.locator(".queue-list a", has_text="龙泽苑东门路灯不亮")).to_have_count(0)
    open_from_list(operator, number, "龙泽苑东门", "待签收")
    expect_order(
        operator,
        "待签收",
        ["受理登记", "派单"],
        ["吹哨报到(增加协办单位)", "办理记录", "合并工单", "认定不合理诉求"],
    )
    expect(last_entry(operator)).to_contain_text("待派单 → 待签收")
    expect(last_entry(operator)).to_contain_text("一街道办事处")
    expect(fact(operator, "分类")).to_have_text("城乡建设 / 市政设施 / 路灯不亮 010101")
    lead_row = operator.locator("table.assignments tbody tr", has_text="一街道办事处")
    expect(lead_row).to_contain_text("主办")
    expect(lead_row).to_contain_text("待签收")
    expect(operator.locator("#order-map.leaflet-container")).to_have_count(1)  # the map of the point
    screenshot(operator, "operator-detail-dispatched")

    # 3. The handler of ST1 finds it in the unit's inbox with its countdown, accepts and contacts the
    #    citizen from there, and replies on the order page.
    handler = login_as("handler1")
    handler.get_by_role("link", name="待办工单").click()
    expect(handler.get_by_role("heading", level=1)).to_have_text("待办工单")
    row = handler.locator(f'.inbox-row[data-number="{number}"]')
    expect(row).to_contain_text("龙泽苑东门路灯不亮")
    expect(row).to_contain_text("签收期限")
    expect(row).to_contain_text("李秀英")  # the unit handling it sees the caller
    expect(row.locator(".countdown")).to_have_text(re.compile(r"^剩余 \d+小时\d+分$"))
    expect(row).to_have_class(re.compile(r"\bsoon\b"))  # acceptance is due within 24 hours
    screenshot(handler, "handler-inbox")
    row.locator("form.q-accept").get_by_role("button", name="签收").click()
    expect(row).to_contain_text("联系群众期限")
    row.locator("summary", has_text="联系群众").click()
    row.get_by_label("联系记录", exact=True).fill("已电话联系李女士,约定今晚到现场查看。")
    row.locator("form.q-contact").get_by_role("button", name="联系群众").click()
    expect(row).to_contain_text("办理答复期限")
    expect(row.locator(".status")).to_have_text("已联系")
    open_from_list(handler, number, "龙泽苑东门", "已联系")
    expect_order(
        handler,
        "已联系",
        ["受理登记", "派单", "签收", "联系群众"],
        ["联系群众", "办理记录", "申请延期", "办理答复"],
    )
    expect(handler.locator("table.deadlines tr", has_text="签收").first).to_contain_text("已完成")
    expect(last_entry(handler)).to_contain_text("已电话联系李女士,约定今晚到现场查看。")
    expect(last_entry(handler)).to_contain_text("handler1(承办单位工作人员) · 一街道办事处")
    act(handler, "办理答复", 办理结果="已更换三盏路灯灯泡,恢复照明。")
    expect_order(handler, "已答复待回访", ["受理登记", "派单", "签收", "联系群众", "办理答复"], ["办理记录"])
    expect(last_entry(handler)).to_contain_text("已更换三盏路灯灯泡,恢复照明。")
    expect(last_entry(handler)).to_contain_text("已联系 → 已答复待回访")
    screenshot(handler, "handler-detail-replied")
    handler.get_by_role("link", name="待办工单").click()
    expect(handler.locator(f'.inbox-row[data-number="{number}"]')).to_have_count(0)  # nothing left to do

    # 4. The callback desk calls back (resolved, satisfied) and closes the order.
    operator.get_by_role("link", name="回访台").click()
    expect(operator.get_by_role("heading", level=1)).to_have_text("回访台")
    due = operator.locator(f'section[aria-labelledby=h-due] .desk-row[data-number="{number}"]')
    expect(due).to_contain_text("一街道办事处答复:已更换三盏路灯灯泡,恢复照明。")
    expect(due).to_contain_text("李秀英 13912345678")
    screenshot(operator, "operator-callback-desk")
    due.get_by_role("group", name="是否解决").get_by_role("radio", name="已解决").check()
    due.get_by_label("满意度", exact=True).select_option(label="满意")
    due.get_by_label("群众评价(可选)", exact=True).fill("修得很及时")
    due.get_by_role("button", name="回访").click()
    expect(due).to_have_count(0)
    done = operator.locator(f'section[aria-labelledby=h-done] .desk-row[data-number="{number}"]')
    expect(done).to_contain_text("回访结果:已解决,满意")
    expect(done.locator("form.q-reopen")).to_have_count(0)  # satisfied: nothing to reopen
    done.get_by_label("说明(可选)", exact=True).fill("群众满意,办结。")
    done.get_by_role("button", name="办结").click()
    expect(done).to_have_count(0)
    operator.goto(f"/orders/{number}")
    steps = ["受理登记", "派单", "签收", "联系群众", "办理答复", "回访", "办结"]
    expect_order(operator, "已办结", steps, ["认定不合理诉求"])
    callback = timeline(operator).nth(-2)
    for shown in ("是否解决", "是", "满意度", "满意", "修得很及时", "已答复待回访 → 已回访"):
        expect(callback).to_contain_text(shown)
    expect(last_entry(operator)).to_contain_text("已回访 → 已办结")
    expect(fact(operator, "办结结果")).to_have_text("已解决")
    expect(fact(operator, "是否解决")).to_have_text("是")
    expect(fact(operator, "满意度")).to_have_text("满意")
    screenshot(operator, "operator-detail-closed")

    # 5. Everyone sees the closed order; nobody has anything left to do but the operator's review.
    resident.reload()
    expect_order(resident, "已办结", steps, [])
    expect(fact(resident, "满意度")).to_have_text("满意")
    screenshot(resident, "resident-detail-closed")
    handler.goto(f"/orders/{number}")
    expect_order(handler, "已办结", steps, [])
    resident.get_by_role("link", name="工单列表", exact=True).first.click()
    row = resident.locator("table.orders tbody tr", has=resident.get_by_role("link", name=number, exact=True))
    expect(row.locator("td[data-label=状态]")).to_have_text("已办结")
    screenshot(resident, "resident-order-list")


def test_return_dispute_and_arbitration(login_as, screenshot):
    # The operator takes a call on the hotline form and dispatches it to ST1.
    operator = login_as("operator")
    fill_new_order(
        operator,
        channel="12345热线",
        description="天通苑北一区3号楼前绿地被私自圈占改成停车位。",
        address="天通苑北一区3号楼",
        name="王建国",
        phone="13698765432",
    )
    expect(operator.get_by_label("紧急程度", exact=True)).to_be_visible()  # only the operator sets it
    operator.get_by_role("button", name="提交").click()
    expect(operator.get_by_role("heading", level=1)).to_have_text(
        "天通苑北一区3号楼前绿地被私自圈占改成停车位。"
    )
    number = number_of(operator)
    expect(fact(operator, "渠道")).to_have_text("12345热线电话")
    act(operator, "派单", 单位="一街道办事处(ST1)")

    # handler1 returns it once: back to the operator, waiting for dispatch.
    handler = login_as("handler1")
    open_from_list(handler, number, "北一区3号楼", "待签收")
    act(handler, "退单", 退单原因="绿地圈占属城管执法职责,不属于街道。")
    steps = ["受理登记", "派单", "退单"]
    expect_order(handler, "待派单", steps, [])
    expect(last_entry(handler)).to_contain_text("绿地圈占属城管执法职责,不属于街道。")
    operator.reload()
    expect_order(operator, "待派单", steps, ["派单", "办理记录", "合并工单", "认定不合理诉求", "办结"])

    # Re-dispatched to the same unit, returned a second time: a dispatch dispute.
    act(operator, "派单", 单位="一街道办事处(ST1)")
    handler.reload()
    steps.append("派单")
    expect_order(handler, "待签收", steps, ["签收", "退单", "办理记录"])
    act(handler, "退单", 退单原因="再次退回:此事应由区城管委处理。")
    steps += ["退单", "转为派单争议"]
    expect_order(handler, "派单争议", steps, [])
    second_return, dispute = timeline(handler).nth(-2), timeline(handler).last
    expect(second_return).to_contain_text("待签收 → 派单争议")
    expect(
        second_return.locator("dt", has_text="该单位退单次数").locator("xpath=following-sibling::dd[1]")
    ).to_have_text("2")
    expect(dispute).to_contain_text("系统自动")  # the dispute is the system's, not a person's
    screenshot(handler, "handler-detail-disputed")
    operator.reload()
    expect_order(operator, "派单争议", steps, ["争议裁定", "办理记录", "认定不合理诉求"])
    returned = operator.locator("table.assignments tbody tr", has_text="已退单")
    expect(returned).to_have_count(2)
    expect(returned.last).to_contain_text("再次退回:此事应由区城管委处理。")

    # The street supervisor finds the dispute in the list and arbitrates it to ST2.
    supervisor = login_as("super1")
    screenshot(supervisor, "supervisor-order-list")
    open_from_list(supervisor, number, "北一区3号楼", "派单争议")
    expect_order(supervisor, "派单争议", steps, ["争议裁定", "办理记录"])
    expect(fact(supervisor, "联系电话")).to_have_text("136****5432")  # masked for the street
    screenshot(supervisor, "supervisor-detail-disputed")
    act(supervisor, "争议裁定", 单位="二街道办事处(ST2)", **{"裁定说明(可选)": "经核实,该地块属二街道管辖。"})
    steps.append("争议裁定")
    expect_order(supervisor, "待签收", steps, ["吹哨报到(增加协办单位)", "办理记录"])
    ruling = last_entry(supervisor)
    for shown in (
        "派单争议 → 待签收",
        "super1(街道/专班督办)",
        "二街道办事处",
        "经核实,该地块属二街道管辖。",
    ):
        expect(ruling).to_contain_text(shown)
    new_lead = supervisor.locator("table.assignments tbody tr", has_text="二街道办事处")
    expect(new_lead).to_contain_text("主办")
    expect(new_lead).to_contain_text("待签收")
    screenshot(supervisor, "supervisor-detail-arbitrated")

    # ST2's handler now has it to accept; ST1's handler has nothing more to do.
    handler2 = login_as("handler2")
    open_from_list(handler2, number, "北一区3号楼", "待签收")
    expect_order(handler2, "待签收", steps, ["签收", "退单", "办理记录"])
    screenshot(handler2, "handler2-detail-arbitrated")
    handler.reload()
    expect_order(handler, "待签收", steps, [])
