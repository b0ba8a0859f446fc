"""A third-party Open311 client from PyPI (`georeport`, which nobody here wrote) reads our endpoint
through a real uvicorn server, in JSON and in XML. It has no call that files requests: we post with
`requests`, the way such clients do (form-encoded)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import requests
import uvicorn

from huitian.intake import service as intake_service

georeport = pytest.importorskip("georeport")


@pytest.fixture
def server(app) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 15
    while not srv.started:
        assert time.time() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}/open311/v2"
    srv.should_exit = True
    thread.join(10)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_georeport_client_lists_services_and_reads_back_a_posted_request(server, api_key, db, fmt):
    r = requests.post(
        f"{server}/requests.{fmt}",
        data={
            "api_key": api_key,
            "service_code": "010101",
            "lat": "40.07",
            "long": "116.31",
            "description": "路灯不亮",
            "attribute[priority]": "urgent",
        },
        timeout=10,
    )
    assert r.status_code == 200, r.text
    client = georeport.GeoReport(server, jurisdiction="huitian", output_format=fmt)
    services = client.get_service_list()
    assert {s["service_code"] for s in services} == {"010101", "020101", "03"}
    definition = client.get_service_definition("010101")
    attributes = definition["attributes"]
    codes = [a["code"] for a in (attributes if fmt == "json" else attributes["attribute"])]
    assert codes == ["type", "priority", "contact"]
    # The client sends no api_key when it reads: refused until an admin turns public reading on, then
    # the coarse view (the community's centre, not the posted point).
    with pytest.raises(requests.HTTPError) as refused:
        client.get_service_requests(service_code="010101", status="open")
    assert refused.value.response.status_code == 403
    with db.write() as session:
        intake_service.set_public_read(session, enabled=True)
        session.commit()
    listed = client.get_service_requests(service_code="010101", status="open")
    first = listed[0] if isinstance(listed, list) else listed  # xmltodict: one <request> is a dict
    number = first["service_request_id"]
    one = client.get_service_request(number)
    assert one["service_request_id"] == number and one["status"] == "open"
    assert one["service_code"] == "010101" and float(one["lat"]) == 40.075
    with pytest.raises(requests.HTTPError) as err:
        client.get_service_request("2026010100000099")
    assert err.value.response.status_code == 404
