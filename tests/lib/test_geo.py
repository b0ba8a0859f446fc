"""WGS-84 / GCJ-02 / BD-09 conversion, against the reference pairs published with the open
implementations (wandergis/coordtransform test/app.js, also used by hutool's CoordinateUtilTest; and
hujiulong/gcoord's GCJ02 unit tests), plus round trips and the size of the offset in Beijing."""

from __future__ import annotations

import math

import pytest

from huitian.lib.geo import bd09_to_gcj02, gcj02_to_bd09, gcj02_to_wgs84, to_wgs84, wgs84_to_gcj02

TIANANMEN = (116.404, 39.915)
HUILONGGUAN = (116.336, 40.071)


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lon, lat) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def test_wgs84_to_gcj02_matches_the_coordtransform_reference():
    assert wgs84_to_gcj02(*TIANANMEN) == pytest.approx((116.41024449916938, 39.91640428150164), abs=1e-12)


def test_gcj02_to_bd09_matches_the_coordtransform_reference():
    assert gcj02_to_bd09(*TIANANMEN) == pytest.approx((116.41036949371029, 39.92133699351021), abs=1e-12)


def test_bd09_to_gcj02_matches_the_coordtransform_reference():
    assert bd09_to_gcj02(*TIANANMEN) == pytest.approx((116.39762729119315, 39.90865673957631), abs=1e-12)


def test_gcj02_to_wgs84_is_within_a_metre_of_the_coordtransform_one_step_inverse():
    # the reference uses a one-step approximation; ours iterates, so they agree to well under a metre
    assert metres(gcj02_to_wgs84(*TIANANMEN), (116.39775550083061, 39.91359571849836)) < 1.0


def test_gcj02_conversions_match_the_gcoord_reference():
    assert gcj02_to_wgs84(123, 45) == pytest.approx((122.99395597, 44.99804071), abs=1e-5)
    assert gcj02_to_bd09(123, 45) == pytest.approx((123.00636499, 45.00636899), abs=1e-5)


@pytest.mark.parametrize("point", [TIANANMEN, HUILONGGUAN, (121.4737, 31.2304), (113.2644, 23.1291)])
def test_the_gcj02_inverse_round_trips_to_a_centimetre(point):
    assert metres(gcj02_to_wgs84(*wgs84_to_gcj02(*point)), point) < 0.01


@pytest.mark.parametrize("point", [TIANANMEN, HUILONGGUAN])
def test_bd09_round_trips_to_a_decimetre(point):
    # the published BD-09 inverse is a closed-form approximation, good to a few centimetres
    assert metres(bd09_to_gcj02(*gcj02_to_bd09(*point)), point) < 0.1


def test_the_gcj02_offset_in_beijing_is_some_five_to_six_hundred_metres():
    for point in (TIANANMEN, HUILONGGUAN):
        assert 450 < metres(wgs84_to_gcj02(*point), point) < 650


def test_points_outside_china_are_not_shifted():
    for point in ((2.3522, 48.8566), (-74.006, 40.7128), (139.6917, 35.6895 + 25)):
        assert wgs84_to_gcj02(*point) == point
        assert gcj02_to_wgs84(*point) == point


def test_to_wgs84_accepts_the_three_systems_and_refuses_others():
    gcj = wgs84_to_gcj02(*HUILONGGUAN)
    bd = gcj02_to_bd09(*gcj)
    assert to_wgs84(*HUILONGGUAN, "wgs84") == HUILONGGUAN
    assert metres(to_wgs84(*gcj, "gcj02"), HUILONGGUAN) < 0.01
    assert metres(to_wgs84(*bd, "bd09"), HUILONGGUAN) < 0.1
    with pytest.raises(ValueError, match="crs"):
        to_wgs84(*HUILONGGUAN, "mars")
