"""吹哨报到 with two units and an extension, through the console's screens in Chromium."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.test_loop import act, expect_order, fact, fill_new_order, number_of, timeline_labels


def file_and_dispatch(operator: Page, *, description: str, address: str, phone: str) -> str:
    """The operator takes a call on the order form, then dispatches it to ST1 from the workspace."""
    fill_new_order(
        operator, channel="12345热线", description=description, address=address, name="赵敏", phone=phone
    )
    operator.get_by_label("分类代码(可选)", exact=True).fill("010101")
    operator.get_by_role("button", name="提交").click()
    number = number_of(operator)
    operator.get_by_role("link", name="派单工作台").click()
    operator.locator(f'.queue-list a[data-number="{number}"]').click()
    panel = operator.locator("#triage")
    expect(panel.get_by_role("heading", level=2)).to_have_text(description)
    suggestion = panel.locator("button.suggest").first
    expect(suggestion).to_contain_text("路灯不亮")  # without a model: the order's own category, routed
    operator.get_by_label("分类代码", exact=True).fill("")
    operator.get_by_label("分类代码", exact=True).blur()  # keys typed into a field are the field's
    operator.locator("body").press("1")  # keyboard: 1 takes the first suggestion
    expect(operator.get_by_label("分类代码", exact=True)).to_have_value("010101")
    operator.get_by_label("主办单位", exact=True).select_option(label="一街道办事处(ST1)")
    with operator.expect_navigation(url=re.compile("/workspace$")):
        panel.get_by_role("button", name="派单", exact=True).click()
    return number


def inbox_row(page: Page, number: str):
    page.get_by_role("link", name="待办工单").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("待办工单")
    return page.locator(f'.inbox-row[data-number="{number}"]')


def test_whistle_brings_two_units_each_accepts_and_replies(login_as, screenshot):
    operator = login_as("operator")
    number = file_and_dispatch(
        operator,
        description="回龙观东大街路灯成片不亮,井盖松动,路面积水。",
        address="回龙观东大街",
        phone="13700001111",
    )

    # The street supervisor blows the whistle: two co-handling units, each with its task.
    supervisor = login_as("super1")
    supervisor.goto(f"/orders/{number}")
    act(supervisor, "吹哨报到(增加协办单位)", 单位="区城管委(BUR)", 协办任务="加固松动的井盖")
    act(supervisor, "吹哨报到(增加协办单位)", 单位="热力公司(UT)", 协办任务="排查管沟渗水")
    co_rows = supervisor.locator("table.assignments tbody tr", has_text="协办")
    expect(co_rows).to_have_count(2)
    expect(co_rows.first).to_contain_text("任务:加固松动的井盖")
    expect(co_rows.last).to_contain_text("任务:排查管沟渗水")
    assert timeline_labels(supervisor).count("吹哨报到(增加协办单位)") == 2
    screenshot(supervisor, "supervisor-detail-whistle")

    # Each unit finds it in its own inbox with its task, accepts and replies there.
    for user, task, reply in (
        ("bureau", "加固松动的井盖", "井盖已更换加固。"),
        ("utility", "排查管沟渗水", "管沟无渗漏,积水系雨水口堵塞,已通知疏通。"),
    ):
        page = login_as(user)
        row = inbox_row(page, number)
        expect(row).to_contain_text(f"协办任务:{task}")
        expect(row.locator(".badge.role-co")).to_have_text("协办")
        expect(row).to_contain_text("赵敏")  # a co-handling unit handles it: it sees the caller
        screenshot(page, f"{user}-inbox")
        row.locator("form.q-accept").get_by_role("button", name="签收").click()
        row.locator("summary", has_text="办理答复").click()
        row.get_by_label("办理结果", exact=True).fill(reply)
        row.locator("form.q-reply").get_by_role("button", name="办理答复").click()
        expect(page.locator(f'.inbox-row[data-number="{number}"]')).to_have_count(0)
    supervisor.reload()
    expect_order(supervisor, "待签收", timeline_labels(supervisor), ["吹哨报到(增加协办单位)", "办理记录"])
    for unit, reply in (("区城管委", "井盖已更换加固。"), ("热力公司", "已通知疏通")):
        row = supervisor.locator("table.assignments tbody tr", has_text=unit)
        expect(row).to_contain_text("已答复")
        expect(row).to_contain_text(reply)

    # The lead unit accepts and replies: only now is the order replied.
    handler = login_as("handler1")
    row = inbox_row(handler, number)
    expect(row.locator(".badge.role-lead")).to_have_text("主办")
    row.locator("form.q-accept").get_by_role("button", name="签收").click()
    row.locator("summary", has_text="办理答复").click()
    row.get_by_label("办理结果", exact=True).fill("会同城管委、热力公司处理完毕,路灯已修复。")
    row.locator("form.q-reply").get_by_role("button", name="办理答复").click()
    expect(handler.locator(f'.inbox-row[data-number="{number}"]')).to_have_count(0)
    supervisor.reload()
    expect(supervisor.locator(".headline .status")).to_have_text("已答复待回访")
    expect(supervisor.locator("table.assignments tbody tr", has_text="已答复")).to_have_count(3)
    screenshot(supervisor, "supervisor-detail-whistle-replied")


def test_extension_requested_by_the_handler_and_approved_by_the_lead(login_as, screenshot):
    operator = login_as("operator")
    number = file_and_dispatch(
        operator,
        description="育知东路人行道路灯杆倾斜,需更换灯杆。",
        address="育知东路",
        phone="13700002222",
    )
    handler = login_as("handler1")
    row = inbox_row(handler, number)
    row.locator("form.q-accept").get_by_role("button", name="签收").click()
    row.locator("summary", has_text="申请延期").click()
    row.get_by_label("延期工作日", exact=True).fill("5")
    row.get_by_label("延期原因", exact=True).fill("灯杆需厂家定制,到货约一周。")
    row.locator("form.q-request_extension").get_by_role("button", name="申请延期").click()
    expect(row).to_contain_text("延期待审批")
    handler.goto(f"/orders/{number}")
    reply_due = handler.locator("table.deadlines tr", has_text="办理答复").locator("td").first
    before = reply_due.inner_text()
    expect(fact(handler, "待审批延期")).to_have_text("5个工作日:灯杆需厂家定制,到货约一周。")

    # The unit lead sees the request beside the unit's three rates, and approves it.
    lead = login_as("lead1")
    lead.get_by_role("link", name="待办工单").click()
    expect(lead.get_by_role("heading", name=re.compile("三率"))).to_be_visible()
    expect(lead.locator("dl.rates dt")).to_have_text(["响应率", "解决率", "满意率", "综合得分"])
    pending = lead.locator(f'section[aria-labelledby=h-pending] li[data-number="{number}"]')
    expect(pending).to_contain_text("申请延期5个工作日:灯杆需厂家定制,到货约一周。")
    screenshot(lead, "lead-inbox")
    pending.get_by_role("radio", name="同意", exact=True).check()
    pending.get_by_label("审批意见(可选)", exact=True).fill("同意延期。")
    pending.get_by_role("button", name="审批延期").click()
    expect(lead.get_by_text("没有待审批的延期申请。")).to_be_visible()

    # The deadline moved, and the order page says what moved it.
    handler.reload()
    expect(reply_due).not_to_have_text(before)
    expect(fact(handler, "已延期")).to_have_text("5个工作日")
    moves = handler.locator("section[aria-labelledby=h-moves] ul.moves li")
    expect(moves).to_have_count(1)
    expect(moves).to_contain_text(f"审批延期:答复期限 {before} → {reply_due.inner_text()}")
    screenshot(handler, "handler-detail-extended")
