"""Vocabularies of the city-parts registry (城市部件): the class table and the part's status.

Major classes follow GB/T 30428 (数字化城市管理信息系统 部件和事件); the minor classes are Huitian's own
selection of the parts residents scan most. A part's code is 16 digits:
county (6) + major class (2) + minor class (2) + serial (6), e.g. 1101140106000001.
"""

from __future__ import annotations

from dataclasses import dataclass

from huitian.lib.vocab import Vocabulary

COUNTY = "110114"  # 昌平区: every part in Huitian is coded under this county

MAJOR_CLASSES = {
    "01": "公用设施",
    "02": "道路交通",
    "03": "市容环境",
    "04": "园林绿化",
    "05": "房屋土地",
    "06": "其他",
}


@dataclass(frozen=True)
class PartClass:
    code: str  # major + minor, 4 digits
    label: str

    @property
    def major(self) -> str:
        return self.code[:2]

    @property
    def minor(self) -> str:
        return self.code[2:]

    @property
    def major_label(self) -> str:
        return MAJOR_CLASSES[self.major]


PART_CLASSES: dict[str, PartClass] = {
    c.code: c
    for c in (
        PartClass("0101", "上水井盖"),
        PartClass("0102", "污水井盖"),
        PartClass("0103", "雨水井盖"),
        PartClass("0104", "电力井盖"),
        PartClass("0105", "通信井盖"),
        PartClass("0106", "路灯"),
        PartClass("0107", "消火栓"),
        PartClass("0108", "变电箱"),
        PartClass("0201", "公交站亭"),
        PartClass("0202", "交通标志牌"),
        PartClass("0203", "交通信号灯"),
        PartClass("0204", "道路护栏"),
        PartClass("0205", "非机动车停放架"),
        PartClass("0301", "垃圾分类桶站"),
        PartClass("0302", "果皮箱"),
        PartClass("0303", "公共厕所"),
        PartClass("0401", "行道树"),
        PartClass("0402", "公园座椅"),
        PartClass("0403", "健身器材"),
        PartClass("0404", "绿地"),
        PartClass("0501", "楼房"),
        PartClass("0502", "老旧小区加装电梯"),
        PartClass("0601", "电动自行车充电桩"),
        PartClass("0602", "公共视频监控"),
    )
}


class AssetStatus(Vocabulary):
    IN_SERVICE = ("in_service", "正常使用")
    DAMAGED = ("damaged", "损坏")
    UNDER_REPAIR = ("under_repair", "维修中")
    RETIRED = ("retired", "已停用")
