"""The demo's reference data: responsible units, the request taxonomy and one user per role.

Plain Python data. ``UNITS`` and ``CATEGORIES`` are lists of dicts in insertion order (a parent always
comes before its children). Community committees are derived from ``data/areas.geojson``, one per
community. Property companies are fictional; any likeness to a real company's name is accidental.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
AREAS_PATH = DATA_DIR / "areas.geojson"
DISTRICT = "110114"
DEMO_PASSWORD = "huitian123"


@cache
def area_properties() -> tuple[dict[str, Any], ...]:
    """The properties of every feature in areas.geojson, in file order (parents first)."""
    collection = json.loads(AREAS_PATH.read_text(encoding="utf-8"))
    return tuple(f["properties"] for f in collection["features"])


def _areas(level: str) -> list[dict[str, Any]]:
    return [a for a in area_properties() if a["level"] == level]


# ---------------------------------------------------------------------------------------------
# Units (承办单位)
# ---------------------------------------------------------------------------------------------

_CITY_COMMISSIONS = [
    ("BJ-ZJW", "北京市住房和城乡建设委员会"),
    ("BJ-CGW", "北京市城市管理委员会"),
    ("BJ-JTW", "北京市交通委员会"),
    ("BJ-GHZRW", "北京市规划和自然资源委员会"),
    ("BJ-WJW", "北京市卫生健康委员会"),
    ("BJ-JW", "北京市教育委员会"),
    ("BJ-RSJ", "北京市人力资源和社会保障局"),
    ("BJ-SCJGJ", "北京市市场监督管理局"),
    ("BJ-SWJ", "北京市水务局"),
    ("BJ-MZJ", "北京市民政局"),
    ("BJ-STHJJ", "北京市生态环境局"),
]

_DISTRICT_BUREAUS = [
    ("CP-CGW", "昌平区城市管理委员会"),
    ("CP-ZJW", "昌平区住房和城乡建设委员会"),
    ("CP-JTW", "昌平区交通委员会"),
    ("CP-JTZD", "北京市公安局公安交通管理局昌平交通支队"),
    ("CP-SCJGJ", "昌平区市场监督管理局"),
    ("CP-WJW", "昌平区卫生健康委员会"),
    ("CP-YBJ", "昌平区医疗保障局"),
    ("CP-JW", "昌平区教育委员会"),
    ("CP-SWJ", "昌平区水务局"),
    ("CP-YLLHJ", "昌平区园林绿化局"),
    ("CP-STHJJ", "北京市昌平区生态环境局"),
    ("CP-MZJ", "昌平区民政局"),
    ("CP-RSJ", "昌平区人力资源和社会保障局"),
    ("CP-CGZFJ", "昌平区城市管理综合行政执法局"),
    ("CP-GAFJ", "北京市公安局昌平分局"),
    ("CP-GHFJ", "北京市规划和自然资源委员会昌平分局"),
    ("CP-YJJ", "昌平区应急管理局"),
    ("CP-ZWFWJ", "昌平区政务服务管理局"),
    ("CP-WLJ", "昌平区文化和旅游局"),
    ("CP-HTB", "回天地区提升发展工作专班办公室"),
]

_UTILITIES = [
    ("UT-WATER", "北京市自来水集团昌平供水分公司"),
    ("UT-POWER", "国网北京市电力公司昌平供电公司"),
    ("UT-GAS", "北京市燃气集团昌平分公司"),
    ("UT-HEAT", "北京市热力集团昌平供热分公司"),
    ("UT-TELECOM", "通信运营企业昌平分公司"),
]

_PROPERTY_COMPANIES = [
    ("PM-01", "北京龙观嘉业物业服务有限公司", "110114011"),
    ("PM-02", "北京融泽安居物业管理有限公司", "110114011"),
    ("PM-03", "北京龙腾佳苑物业服务有限公司", "110114012"),
    ("PM-04", "北京泽园恒信物业管理有限公司", "110114012"),
    ("PM-05", "北京霍营宜家物业服务有限公司", "110114010"),
    ("PM-06", "北京锦跃和顺物业管理有限公司", "110114010"),
    ("PM-07", "北京天通北辰物业服务有限公司", "110114008"),
    ("PM-08", "北京天通中和物业管理有限公司", "110114009"),
    ("PM-09", "北京东苑康居物业服务有限公司", "110114009"),
    ("PM-10", "北京东小口兴业物业管理有限公司", "110114007"),
    ("PM-11", "北京史各庄绿景物业服务有限公司", "110114013"),
    ("PM-12", "北京回天优居物业管理有限公司", "110114008"),
]


def street_office_code(street_code: str) -> str:
    return f"ST-{street_code}"


def community_committee_code(community_code: str) -> str:
    return f"CM-{community_code}"


def _street_office_name(street_name: str) -> str:
    if street_name.endswith("镇"):
        return f"{street_name}人民政府"
    return f"{street_name}办事处"


def _committee_name(community_name: str) -> str:
    return f"{community_name}村民委员会" if community_name.endswith("村") else f"{community_name}居民委员会"


def _property_assignments() -> dict[str, list[str]]:
    """Each company manages a handful of residential communities (社区, not villages) in its street.

    Every fourth residential community has no company (老旧小区 often lack professional 物业).
    """
    by_street: dict[str, list[str]] = {}
    for c in _areas("community"):
        if not c["name"].endswith("村"):
            by_street.setdefault(c["parent_code"], []).append(c["code"])
    out: dict[str, list[str]] = {code: [] for code, _, _ in _PROPERTY_COMPANIES}
    for street, communities in by_street.items():
        companies = [code for code, _, s in _PROPERTY_COMPANIES if s == street]
        if not companies:
            continue
        managed = [c for i, c in enumerate(communities) if i % 4 != 3]
        for i, community in enumerate(managed):
            out[companies[i % len(companies)]].append(community)
    return out


def _build_units() -> list[dict[str, Any]]:
    def unit(code: str, name: str, kind: str, parent: str | None, areas: list[str]) -> dict[str, Any]:
        return {"code": code, "name": name, "kind": kind, "parent_code": parent, "area_codes": areas}

    units = [
        unit("HOTLINE", "北京市12345市民服务热线", "hotline_centre", None, [DISTRICT]),
        unit("CP-12345", "昌平区12345市民服务热线分中心", "hotline_centre", "HOTLINE", [DISTRICT]),
    ]
    units += [unit(code, name, "city_commission", None, [DISTRICT]) for code, name in _CITY_COMMISSIONS]
    units.append(unit("CP-GOV", "昌平区人民政府", "district_government", None, [DISTRICT]))
    units += [unit(code, name, "district_bureau", "CP-GOV", [DISTRICT]) for code, name in _DISTRICT_BUREAUS]
    for street in _areas("street"):
        units.append(
            unit(
                street_office_code(street["code"]),
                _street_office_name(street["name"]),
                "street_office",
                "CP-GOV",
                [street["code"]],
            )
        )
    for community in _areas("community"):
        units.append(
            unit(
                community_committee_code(community["code"]),
                _committee_name(community["name"]),
                "community_committee",
                street_office_code(community["parent_code"]),
                [community["code"]],
            )
        )
    units += [unit(code, name, "utility", None, [DISTRICT]) for code, name in _UTILITIES]
    assignments = _property_assignments()
    units += [
        unit(code, name, "property_company", None, assignments[code]) for code, name, _ in _PROPERTY_COMPANIES
    ]
    return units


UNITS: list[dict[str, Any]] = _build_units()

# ---------------------------------------------------------------------------------------------
# Categories (诉求分类): (name, time_limit_class, unit_hint, children)
# time_limit_class: emergency 2 h, utility 24 h, ordinary 7 working days, complex 15 working days.
# unit_hint: a unit code, or a unit kind ("street_office", "property_company", "community_committee")
# meaning "the unit of that kind serving the order's place" (属地).
# ---------------------------------------------------------------------------------------------

EM, UT, OR, CX = "emergency", "utility", "ordinary", "complex"
ST, PM, CM = "street_office", "property_company", "community_committee"

_TAXONOMY: list[tuple[str, str, str, list[tuple[str, str, str, list[tuple[str, str, str]]]]]] = [
    ("城乡建设", OR, "CP-ZJW", [
        ("物业管理", OR, PM, [
            ("物业服务质量", OR, PM), ("物业收费", OR, PM), ("电梯故障", OR, PM), ("电梯困人", EM, PM),
            ("公共区域保洁", OR, PM), ("小区门禁安保", OR, PM), ("物业退出与交接", CX, ST),
            ("业委会与物管会", CX, ST),
        ]),
        ("老旧小区改造", CX, ST, [
            ("改造进度", CX, ST), ("老楼加装电梯", CX, ST), ("外墙保温与屋面防水", CX, ST),
            ("改造施工质量", OR, "CP-ZJW"),
        ]),
        ("违法建设", OR, ST, [
            ("私搭乱建", OR, ST), ("违建圈占绿地", OR, ST), ("地下空间违规使用", OR, ST),
            ("楼顶违建", OR, ST),
        ]),
        ("房屋质量与维修", OR, "CP-ZJW", [
            ("房屋漏水", OR, PM), ("公共维修资金", CX, "CP-ZJW"), ("墙体开裂", OR, "CP-ZJW"),
        ]),
        ("施工管理", OR, "CP-ZJW", [
            ("夜间施工扰民", OR, "CP-CGZFJ"), ("施工扬尘", OR, "CP-ZJW"), ("渣土车遗撒", OR, "CP-CGZFJ"),
        ]),
    ]),
    ("住房", OR, "CP-ZJW", [
        ("群租房", OR, ST, [
            ("群租房隔断", OR, ST), ("群租房安全隐患", OR, ST), ("地下室住人", OR, ST),
        ]),
        ("房屋租赁", OR, "CP-ZJW", [
            ("租赁押金退还", OR, "CP-ZJW"), ("中介违规经营", OR, "CP-ZJW"), ("租赁合同纠纷", OR, "CP-ZJW"),
        ]),
        ("保障性住房", OR, "CP-ZJW", [
            ("公租房申请", OR, "CP-ZJW"), ("共有产权房", OR, "CP-ZJW"), ("人才公租房配租", OR, "CP-ZJW"),
        ]),
        ("不动产登记", CX, "CP-GHFJ", [
            ("房产证延迟办理", CX, "CP-GHFJ"), ("开发商遗留问题", CX, "CP-ZJW"),
            ("产权登记咨询", OR, "CP-GHFJ"),
        ]),
    ]),
    ("市政设施", UT, "CP-CGW", [
        ("供暖", UT, "UT-HEAT", [
            ("暖气不热", UT, "UT-HEAT"), ("暖气漏水", UT, "UT-HEAT"), ("供暖费缴纳", OR, "UT-HEAT"),
            ("供暖时间", OR, "CP-CGW"),
        ]),
        ("供水", UT, "UT-WATER", [
            ("停水", UT, "UT-WATER"), ("水压低", UT, "UT-WATER"), ("水质浑浊", UT, "UT-WATER"),
            ("供水管线爆裂", EM, "UT-WATER"),
        ]),
        ("供电", UT, "UT-POWER", [
            ("停电", UT, "UT-POWER"), ("电压不稳", UT, "UT-POWER"), ("充电桩报装", OR, "UT-POWER"),
        ]),
        ("燃气", UT, "UT-GAS", [
            ("燃气泄漏", EM, "UT-GAS"), ("燃气停气", UT, "UT-GAS"), ("燃气表故障", UT, "UT-GAS"),
        ]),
        ("排水", OR, "CP-SWJ", [
            ("道路积水", EM, "CP-SWJ"), ("下水道堵塞", UT, PM), ("井盖缺失破损", EM, "CP-CGW"),
            ("污水外溢", UT, "CP-SWJ"),
        ]),
        ("道路设施", OR, "CP-CGW", [
            ("路面破损", OR, "CP-CGW"), ("路灯不亮", OR, "CP-CGW"), ("人行道破损", OR, "CP-CGW"),
        ]),
    ]),
    ("城市管理", OR, "CP-CGW", [
        ("垃圾分类", OR, ST, [
            ("垃圾清运不及时", OR, ST), ("分类设施不足", OR, ST), ("厨余垃圾异味", OR, ST),
            ("大件垃圾处理", OR, ST),
        ]),
        ("环境卫生", OR, "CP-CGW", [
            ("道路保洁", OR, "CP-CGW"), ("公厕管理", OR, "CP-CGW"), ("小广告", OR, ST),
        ]),
        ("街面秩序", OR, "CP-CGZFJ", [
            ("无照游商", OR, "CP-CGZFJ"), ("店外经营", OR, "CP-CGZFJ"), ("夜市摊点", OR, ST),
        ]),
        ("园林绿化", OR, "CP-YLLHJ", [
            ("树木修剪", OR, "CP-YLLHJ"), ("绿地养护", OR, "CP-YLLHJ"), ("公园管理", OR, "CP-YLLHJ"),
            ("杨柳飞絮", OR, "CP-YLLHJ"),
        ]),
    ]),
    ("交通管理", OR, "CP-JTW", [
        ("停车", OR, "CP-JTZD", [
            ("违章停车", OR, "CP-JTZD"), ("停车位不足", CX, ST), ("停车收费", OR, "CP-JTW"),
            ("小区停车管理", OR, PM), ("僵尸车清理", OR, ST),
        ]),
        ("交通拥堵", OR, "CP-JTZD", [
            ("路口拥堵", OR, "CP-JTZD"), ("信号灯配时", OR, "CP-JTZD"), ("早晚高峰拥堵", CX, "CP-JTW"),
        ]),
        ("公共交通", OR, "BJ-JTW", [
            ("公交线路站点优化", CX, "BJ-JTW"), ("公交班次间隔", OR, "BJ-JTW"),
            ("地铁早高峰拥挤", CX, "BJ-JTW"), ("地铁站接驳", OR, "CP-JTW"),
        ]),
        ("道路规划建设", CX, "CP-JTW", [
            ("断头路", CX, "CP-JTW"), ("道路施工进度", OR, "CP-JTW"), ("自行车专用道", OR, "CP-JTW"),
        ]),
        ("共享单车", OR, "CP-JTW", [
            ("共享单车乱停放", OR, "CP-JTW"), ("共享单车投放不足", OR, "CP-JTW"),
        ]),
    ]),
    ("社会秩序", OR, "CP-GAFJ", [
        ("噪声扰民", OR, ST, [
            ("邻里噪声", OR, CM), ("商业噪声", OR, "CP-CGZFJ"), ("广场舞噪声", OR, ST),
        ]),
        ("电动自行车", OR, ST, [
            ("飞线充电", EM, ST), ("楼道停放充电", OR, PM), ("充电设施不足", OR, ST),
            ("电动自行车登记", OR, "CP-JTZD"),
        ]),
        ("治安管理", OR, "CP-GAFJ", [
            ("盗窃财物", OR, "CP-GAFJ"), ("可疑人员", OR, "CP-GAFJ"), ("打架斗殴", EM, "CP-GAFJ"),
        ]),
        ("消防安全", OR, "CP-YJJ", [
            ("消防通道堵塞", OR, PM), ("消防设施损坏", OR, PM), ("楼道堆物", OR, CM),
        ]),
        ("宠物管理", OR, "CP-GAFJ", [
            ("犬只扰民", OR, CM), ("遛狗不拴绳", OR, "CP-GAFJ"),
        ]),
    ]),
    ("市场管理", OR, "CP-SCJGJ", [
        ("消费纠纷", OR, "CP-SCJGJ", [
            ("预付卡退费", CX, "CP-SCJGJ"), ("商品质量", OR, "CP-SCJGJ"), ("网购纠纷", OR, "CP-SCJGJ"),
        ]),
        ("食品安全", OR, "CP-SCJGJ", [
            ("餐馆卫生", OR, "CP-SCJGJ"), ("过期食品", OR, "CP-SCJGJ"), ("无证餐饮", OR, "CP-SCJGJ"),
        ]),
        ("价格监管", OR, "CP-SCJGJ", [
            ("明码标价", OR, "CP-SCJGJ"), ("价格欺诈", OR, "CP-SCJGJ"),
        ]),
        ("便民商业", OR, ST, [
            ("菜市场不足", CX, ST), ("便民网点撤并", OR, ST), ("早餐供应", OR, ST),
        ]),
    ]),
    ("医疗卫生", OR, "CP-WJW", [
        ("医疗服务", OR, "CP-WJW", [
            ("挂号难", OR, "CP-WJW"), ("医疗纠纷", CX, "CP-WJW"), ("社区卫生服务中心", OR, "CP-WJW"),
        ]),
        ("医疗保障", OR, "CP-YBJ", [
            ("医保报销", OR, "CP-YBJ"), ("异地就医备案", OR, "CP-YBJ"),
        ]),
        ("公共卫生", OR, "CP-WJW", [
            ("病媒生物防制", OR, ST), ("疫苗接种", OR, "CP-WJW"), ("家庭医生签约", OR, "CP-WJW"),
        ]),
    ]),
    ("教育", OR, "CP-JW", [
        ("入学入园", CX, "CP-JW", [
            ("学位不足", CX, "CP-JW"), ("入学政策", OR, "CP-JW"), ("幼儿园入园", OR, "CP-JW"),
        ]),
        ("校外培训", OR, "CP-JW", [
            ("培训机构退费", CX, "CP-JW"), ("违规培训", OR, "CP-JW"),
        ]),
        ("学校周边", OR, "CP-JW", [
            ("上下学拥堵", OR, "CP-JTZD"), ("校园周边安全", OR, "CP-GAFJ"), ("课后服务", OR, "CP-JW"),
        ]),
    ]),
    ("劳动和社会保障", OR, "CP-RSJ", [
        ("劳动纠纷", OR, "CP-RSJ", [
            ("拖欠工资", OR, "CP-RSJ"), ("劳动合同", OR, "CP-RSJ"), ("工伤认定", CX, "CP-RSJ"),
        ]),
        ("社会保险", OR, "CP-RSJ", [
            ("社保缴纳", OR, "CP-RSJ"), ("养老金领取", OR, "CP-RSJ"), ("失业保险金", OR, "CP-RSJ"),
        ]),
        ("就业服务", OR, "CP-RSJ", [
            ("职业技能培训", OR, "CP-RSJ"), ("就业招聘", OR, "CP-RSJ"),
        ]),
    ]),
    ("民政与社区服务", OR, "CP-MZJ", [
        ("养老服务", OR, "CP-MZJ", [
            ("养老驿站", OR, ST), ("老年餐桌", OR, ST), ("高龄津贴", OR, "CP-MZJ"),
        ]),
        ("社会救助", OR, "CP-MZJ", [
            ("最低生活保障", OR, "CP-MZJ"), ("临时救助", OR, ST), ("残疾人补贴", OR, "CP-MZJ"),
        ]),
        ("社区服务设施", OR, ST, [
            ("社区活动用房", OR, ST), ("健身设施损坏", OR, CM), ("社区议事协商", OR, CM),
        ]),
    ]),
    ("生态环境", OR, "CP-STHJJ", [
        ("大气污染", OR, "CP-STHJJ", [
            ("餐饮油烟", OR, "CP-CGZFJ"), ("露天焚烧", OR, ST), ("异味扰民", OR, "CP-STHJJ"),
        ]),
        ("水环境", OR, "CP-SWJ", [
            ("河道水质", OR, "CP-SWJ"), ("河道垃圾", OR, "CP-SWJ"), ("污水直排", OR, "CP-STHJJ"),
        ]),
    ]),
    ("疫情防控", OR, "CP-WJW", [
        ("防控政策", OR, "CP-WJW", [
            ("防控措施咨询", OR, "CP-WJW"), ("出行政策", OR, "CP-WJW"),
        ]),
        ("就医购药", OR, "CP-WJW", [
            ("发热门诊", OR, "CP-WJW"), ("药品供应", OR, "CP-SCJGJ"),
        ]),
    ]),
    ("公共服务", OR, "CP-ZWFWJ", [
        ("政务服务", OR, "CP-ZWFWJ", [
            ("办事效率", OR, "CP-ZWFWJ"), ("户籍证件办理", OR, "CP-GAFJ"), ("居住证办理", OR, "CP-GAFJ"),
        ]),
        ("文体设施", OR, "CP-WLJ", [
            ("公共文化场馆", OR, "CP-WLJ"), ("体育场地开放", OR, "CP-WLJ"),
        ]),
        ("通信服务", OR, "UT-TELECOM", [
            ("手机信号差", OR, "UT-TELECOM"), ("宽带故障", OR, "UT-TELECOM"),
        ]),
    ]),
    ("其他", OR, "CP-12345", [
        ("表扬感谢", OR, "CP-12345", [
            ("表扬承办单位", OR, "CP-12345"), ("表扬社区工作者", OR, CM),
        ]),
        ("意见建议", OR, "CP-HTB", [
            ("城市规划建议", CX, "CP-HTB"), ("回天行动计划建议", OR, "CP-HTB"),
        ]),
    ]),
]  # fmt: skip


def _build_categories() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def cat(code: str, name: str, level: int, parent: str | None, cls: str, hint: str) -> None:
        out.append(
            {
                "code": code,
                "name": name,
                "level": level,
                "parent_code": parent,
                "time_limit_class": cls,
                "unit_hint": hint,
            }
        )

    for i, (name1, cls1, hint1, seconds) in enumerate(_TAXONOMY, start=1):
        c1 = f"{i:02d}"
        cat(c1, name1, 1, None, cls1, hint1)
        for j, (name2, cls2, hint2, thirds) in enumerate(seconds, start=1):
            c2 = f"{c1}{j:02d}"
            cat(c2, name2, 2, c1, cls2, hint2)
            for k, (name3, cls3, hint3) in enumerate(thirds, start=1):
                cat(f"{c2}{k:02d}", name3, 3, c2, cls3, hint3)
    return out


CATEGORIES: list[dict[str, Any]] = _build_categories()

# ---------------------------------------------------------------------------------------------
# Users: one per role (all with the password DEMO_PASSWORD).
# ---------------------------------------------------------------------------------------------

USERS: list[dict[str, Any]] = [
    {"username": "resident", "password": DEMO_PASSWORD, "role": "resident", "unit_code": None,
     "area_code": None, "display_name": "王居民"},
    {"username": "operator", "password": DEMO_PASSWORD, "role": "operator", "unit_code": "HOTLINE",
     "area_code": None, "display_name": "李话务"},
    {"username": "handler", "password": DEMO_PASSWORD, "role": "handler", "unit_code": "ST-110114011",
     "area_code": "110114011", "display_name": "张承办"},
    {"username": "unit_lead", "password": DEMO_PASSWORD, "role": "unit_lead", "unit_code": "ST-110114011",
     "area_code": "110114011", "display_name": "赵主任"},
    {"username": "supervisor", "password": DEMO_PASSWORD, "role": "supervisor", "unit_code": "ST-110114011",
     "area_code": "110114011", "display_name": "刘督办"},
    {"username": "grid_worker", "password": DEMO_PASSWORD, "role": "grid_worker", "unit_code": "CM-110",
     "area_code": "110-01", "display_name": "陈网格"},
    {"username": "planner", "password": DEMO_PASSWORD, "role": "planner", "unit_code": "CP-HTB",
     "area_code": DISTRICT, "display_name": "周专班"},
    {"username": "admin", "password": DEMO_PASSWORD, "role": "admin", "unit_code": None,
     "area_code": None, "display_name": "系统管理员"},
]  # fmt: skip


def unit_by_code() -> dict[str, dict[str, Any]]:
    return {u["code"]: u for u in UNITS}


def category_by_code() -> dict[str, dict[str, Any]]:
    return {c["code"]: c for c in CATEGORIES}
