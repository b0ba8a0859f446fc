from __future__ import annotations

from huitian.lib.textnorm import normalise

RAW = "Ａ３区杜鹃文苑小区外的非法汽车检测站要开业了！请相关部门，尽快处理。"
SEGMENTED = "A3 区 杜鹃 文苑 小区 外 的 非法 汽车 检测站 要 开业 了 请 相关 部门 尽快 处理"


def test_normalise_folds_width_case_space_and_punctuation() -> None:
    expected = "a3区杜鹃文苑小区外的非法汽车检测站要开业了请相关部门尽快处理"
    assert normalise(RAW) == normalise(SEGMENTED) == expected
    assert normalise("") == ""
    assert normalise(" ，。！ \t\n") == ""
    assert normalise("ABC_def 12") == "abcdef12"
