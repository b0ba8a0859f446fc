"""Points arrive in WGS-84, GCJ-02 or BD-09; each order is placed in the grid of its WGS-84 point."""

from huitian.lib.geo import gcj02_to_bd09, wgs84_to_gcj02
from tests.factories import IN_G1, IN_G2
from tests.helpers import new_order


def test_a_gcj02_point_lands_in_the_same_grid_as_its_wgs84_twin(api):
    lon, lat = wgs84_to_gcj02(*IN_G1)
    assert abs(lon - IN_G1[0]) > 0.004  # the offset is several hundred metres: enough to change grids
    order = new_order(api, lon=lon, lat=lat, crs="gcj02")
    assert order["area_path"] == "/D1/S1/C1/G1/"
    assert abs(order["lon"] - IN_G1[0]) < 1e-6 and abs(order["lat"] - IN_G1[1]) < 1e-6
    assert order["source_crs"] == "gcj02"


def test_a_bd09_point_lands_in_the_same_grid_as_its_wgs84_twin(api):
    lon, lat = gcj02_to_bd09(*wgs84_to_gcj02(*IN_G2))
    order = new_order(api, lon=lon, lat=lat, crs="bd09")
    assert order["area_path"] == "/D1/S1/C1/G2/"


def test_a_gcj02_point_read_as_wgs84_would_be_misplaced(api):
    # The same numbers without the crs are taken as WGS-84: near a grid border they land elsewhere.
    lon, lat = wgs84_to_gcj02(116.3195, 40.07)  # 50 m west of the G1/G2 border (116.32)
    assert new_order(api, lon=lon, lat=lat)["area_path"] == "/D1/S1/C1/G2/"
    assert new_order(api, lon=lon, lat=lat, crs="gcj02")["area_path"] == "/D1/S1/C1/G1/"
