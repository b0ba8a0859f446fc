"""未诉先办 and 每月一题 in Chromium: a supervisor turns a warning into a proactive order from the page, and
chooses the month's topic; no console or CSP errors on the way (tests/browser/fixtures.py)."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from huitian.db import Database, utcnow
from huitian.proactive import service as proactive_service
from huitian.sla import service as sla_service
from tests.proactive.conftest import G1, orders


def _seed(url: str) -> str:
    db = Database(url)
    try:
        with db.write() as session:
            now = utcnow()
            made = orders(
                session,
                n=4,
                at=now - timedelta(hours=1),
                where=G1,
                text="楼下路灯不亮,晚上漆黑",
                spread_h=0.01,
            )
            proactive_service.compute_warnings(session, now=now)
            session.commit()
            return made[-1].created_at.astimezone(sla_service.local_tz()).strftime("%Y-%m")
    finally:
        db.dispose()


def test_a_supervisor_works_a_warning_and_chooses_a_topic(login_as, server_db_url, screenshot):
    month = _seed(server_db_url)
    page = login_as("super1")
    page.get_by_role("link", name="未诉先办").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("未诉先办 · 预警")
    card = page.locator("li.warning", has_text="同一地点反复诉求").first
    expect(card).to_contain_text("一社区第1网格")
    screenshot(page, "warnings")
    with page.expect_navigation(url=re.compile(r"/orders/\d+$")):
        card.get_by_role("button", name="转为主动工单").click()
    expect(page.locator("body")).to_contain_text("未诉先办预警")

    page.get_by_role("link", name="每月一题").click()
    page.get_by_label("月份", exact=True).fill(month)
    page.get_by_label("地点粒度").select_option(label="网格")
    page.get_by_role("button", name="查看候选问题").click()
    first = page.locator("li.candidate").first
    expect(first).to_contain_text("一社区第1网格")
    expect(first.locator(".phrase", has_text="漆黑")).to_have_count(1)
    with page.expect_navigation(url=re.compile(r"/topics/\d+$")):
        first.get_by_role("button", name="选为本月一题").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("一社区第1网格")
    expect(page.locator("section.effect")).to_contain_text("暂无法评估成效")
    screenshot(page, "topic")
