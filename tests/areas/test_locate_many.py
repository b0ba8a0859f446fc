from huitian.areas import service as areas_service
from tests.factories import IN_G1, IN_G2, IN_S2


def test_locate_many_places_each_point_as_locate_does_in_the_order_given(db):
    # a grid of points over the test district and beyond it, and points on the shared borders of G1|G2
    # (116.32) and S1|S2 (116.35) and on the district's corners
    points = [(116.29 + i * 0.005, 40.04 + j * 0.005) for i in range(25) for j in range(15)]
    points += [(116.32, 40.07), (116.35, 40.07), (116.30, 40.05), (116.40, 40.10)]
    points += [IN_G1, IN_S2, IN_G2, IN_G1, (0.0, 0.0)]
    with db.read() as session:
        one_by_one = [areas_service.locate(session, lon=lon, lat=lat) for lon, lat in points]
        assert areas_service.locate_many(session, points) == one_by_one
        placed = {path for found in one_by_one if found for _, path in [found]}
        assert len(placed) >= 3  # G1, G2 and S2 at least: the comparison is not all None
        assert one_by_one[-1] is None and one_by_one[-2] == one_by_one[-5]
        assert areas_service.locate_many(session, []) == []
