"""Login, the scoped order list with its filters and pages, and the new-order form."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.conftest import PASSWORD
from tests.factories import IN_G1, IN_S2

ROW_RE = re.compile(r'<td data-label="工单编号"><a href="/orders/(\d+)">')


def rows(html: str) -> list[str]:
    return ROW_RE.findall(html)


def test_login_failure_shows_the_error(client: TestClient):
    r = client.post("/login", data={"username": "operator", "password": "wrong"}, follow_redirects=False)
    assert r.status_code == 401
    assert 'role="alert"' in r.text and "用户名或密码错误" in r.text
    assert 'value="operator"' in r.text  # the name typed stays in the form
    assert "huitian_session" not in client.cookies
    assert client.get("/orders", follow_redirects=False).status_code == 303


def test_login_sets_the_cookie_and_shows_the_user(client: TestClient):
    page = client.get("/login")
    assert page.status_code == 200 and '<html lang="zh-CN">' in page.text
    assert '<label for="username">用户名</label>' in page.text
    r = client.post("/login", data={"username": "handler1", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/orders"
    assert "huitian_session" in client.cookies
    listing = client.get("/orders")
    assert listing.status_code == 200
    assert "工单列表" in listing.text
    assert "handler1" in listing.text and "承办单位工作人员" in listing.text
    assert 'action="/logout"' in listing.text and "退出" in listing.text
    assert "登记工单" not in listing.text  # handlers do not file orders
    r = client.post("/logout", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert client.get("/orders", follow_redirects=False).status_code == 303


def test_unauthenticated_pages_redirect_to_login_and_back(client: TestClient):
    r = client.get("/orders?type=complaint", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=%2Forders%3Ftype%3Dcomplaint"
    for path in ("/orders/1", "/orders/new", "/"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
    r = client.post("/orders/1/actions", data={"action": "accept", "version": "1"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    login_page = client.get("/login?next=/orders/1")
    assert 'name="next" value="/orders/1"' in login_page.text
    r = client.post(
        "/login",
        data={"username": "operator", "password": PASSWORD, "next": "/orders/1"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/orders/1"
    r = client.post(
        "/login",
        data={"username": "operator", "password": PASSWORD, "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/orders"  # never an open redirect


def test_the_list_shows_only_what_the_role_may_see(api, browser):
    st1 = api.create(lat=IN_G1[1], lon=IN_G1[0], title="一街道路灯不亮")
    api.act("operator", st1, "dispatch", unit="ST1")
    st2 = api.create(lat=IN_S2[1], lon=IN_S2[0], title="二街道垃圾未清运")
    api.act("operator", st2, "dispatch", unit="ST2")
    own = api.create("resident1", title="我家楼道灯坏了")

    seen = {
        user: set(rows(browser(user).get("/orders").text)) for user in ("operator", "handler1", "handler2")
    }
    assert {st1["number"], st2["number"], own["number"]} <= seen["operator"]
    assert seen["handler1"] == {st1["number"]}
    assert seen["handler2"] == {st2["number"]}  # handler2 does not see the ST1 order
    resident = browser("resident1").get("/orders").text
    assert rows(resident) == [own["number"]]
    assert "共1件" in resident
    assert rows(browser("resident2").get("/orders").text) == []
    assert set(rows(browser("super1").get("/orders").text)) == {st1["number"]}


def test_filters_are_bound_to_the_query_and_labelled_in_chinese(api, browser):
    a = api.create(type="complaint", title="噪音扰民投诉", category_code="010101")
    b = api.create(type="consultation", title="咨询办证材料")
    api.act("operator", a, "dispatch", unit="ST1")
    op = browser("operator")

    page = op.get("/orders?type=consultation").text
    assert rows(page) == [b["number"]]
    assert '<option value="consultation" selected>咨询</option>' in page
    assert "待派单" in page  # status labels from the enums

    page = op.get("/orders?status=dispatched&status=accepted").text
    assert rows(page) == [a["number"]]
    assert 'value="dispatched" checked' in page and 'value="accepted" checked' in page
    assert "待签收" in page and "一街道办事处" in page

    assert rows(op.get("/orders?q=办证").text) == [b["number"]]
    assert rows(op.get("/orders?unit=ST1").text) == [a["number"]]
    assert rows(op.get("/orders?category=01").text) == [a["number"]]
    assert rows(op.get("/orders?channel=api&type=&unit=&overdue=").text) == [b["number"], a["number"]]
    assert rows(op.get("/orders?overdue=1").text) == []
    assert rows(op.get("/orders?created_from=2000-01-01&created_to=2000-01-02").text) == []
    assert len(rows(op.get("/orders?created_from=2000-01-01&sort=oldest").text)) == 2

    bad = op.get("/orders?unit=NOPE&type=bogus&created_from=yesterday")
    assert bad.status_code == 422
    assert "类型“bogus”无效" in bad.text and "起始日期“yesterday”无效" in bad.text
    bad = op.get("/orders?unit=NOPE")
    assert bad.status_code == 422 and "NOPE" in bad.text and 'role="alert"' in bad.text


def test_overdue_rows_are_marked(api, browser, db):
    from sqlalchemy import update

    from huitian.orders.models import Order

    late = api.create(title="超时的工单")
    api.create(title="按时的工单")
    with db.write() as session:
        session.execute(update(Order).where(Order.id == late["id"]).values(escalated=4))
        session.commit()
    page = browser("operator").get("/orders").text
    row = page.split(f'href="/orders/{late["number"]}"')[0].rsplit("<tr", 1)[1]
    assert 'class="overdue"' in row
    assert page.count('class="badge overdue-badge">超时</span>') == 1
    assert rows(browser("operator").get("/orders?overdue=1").text) == [late["number"]]


def test_pagination(api, browser):
    numbers = [api.create(title=f"第{i}件")["number"] for i in range(23)]
    op = browser("operator")
    first = op.get("/orders?type=complaint").text
    assert "共23件" in first and "第1/2页" in first
    assert rows(first) == numbers[::-1][:20]
    assert '<a href="/orders?type=complaint&amp;page=2" rel="next">下一页</a>' in first
    second = op.get("/orders?type=complaint&page=2").text
    assert rows(second) == numbers[::-1][20:]
    assert '<a href="/orders?type=complaint&amp;page=1" rel="prev">上一页</a>' in second
    assert 'aria-disabled="true">下一页' in second


def test_new_order_form(browser, api):
    op = browser("operator")
    page = op.get("/orders/new")
    assert page.status_code == 200 and "渠道:12345热线电话" in page.text
    assert '<option value="010101">城乡建设/市政设施/路灯不亮</option>' in page.text
    r = op.client.post(
        "/orders/new",
        data={
            "type": "complaint",
            "title": "",
            "description": "小区门口路灯不亮\n晚上看不清路",
            "address": "一社区3号楼",
            "category_code": "010101",
            "citizen_name": "张三丰",
            "citizen_phone": "13812345678",
            "lat": str(IN_G1[1]),
            "lon": str(IN_G1[0]),
            "priority": "urgent",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    number = r.headers["location"].rsplit("/", 1)[1]
    order = api.get("operator", f"/api/v1/orders/{number}").json()
    assert order["channel"] == "hotline" and order["priority"] == "urgent"
    assert order["title"] == "小区门口路灯不亮" and order["area_path"] == "/D1/S1/C1/G1/"
    detail = op.detail(number)
    assert "一街道" in detail and "城乡建设 / 市政设施 / 路灯不亮" in detail

    bad = op.client.post("/orders/new", data={"type": "complaint", "description": "  ", "lat": "40.0"})
    assert bad.status_code == 422 and 'role="alert"' in bad.text and "诉求内容" in bad.text
    bad = op.client.post("/orders/new", data={"type": "complaint", "description": "x", "category_code": "99"})
    assert bad.status_code == 422 and "99" in bad.text
    assert 'value="99"' in bad.text  # what was typed is kept

    resident = browser("resident1")
    r = resident.client.post(
        "/orders/new", data={"type": "help", "description": "楼道灯坏了", "priority": "urgent"}
    )
    assert r.status_code == 200  # followed to the new order's page
    assert "楼道灯坏了" in r.text and "网上平台" in r.text
    mine = api.get("resident1", "/api/v1/orders").json()["items"]
    assert [(o["channel"], o["priority"]) for o in mine] == [("web", "normal")]  # only operators set it

    handler = browser("handler1")
    assert handler.get("/orders/new").status_code == 403
    assert handler.client.post("/orders/new", data={"type": "help", "description": "x"}).status_code == 403


def test_static_stylesheet_is_served(client: TestClient):
    r = client.get("/static/app.css")
    assert r.status_code == 200 and "text/css" in r.headers["content-type"]
