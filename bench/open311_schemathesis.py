"""Run schemathesis with the Open311 community's swagger.json against our /open311/v2, served by a
real `huitian serve` on a fresh SQLite database with the test world and one API key.

    .venv/bin/python bench/open311_schemathesis.py [--max-examples 30] [--format json|xml|'']

Prints schemathesis's own report. Not a test: the swagger file differs from the prose spec in places
(see the final lines it prints) and schemathesis reports those differences as failures."""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from intake import PY, ROOT, free_port, start, stop  # noqa: E402

SWAGGER = ROOT.parent / "shared" / "data" / "open311_spec" / "schema" / "georeport-v2" / "swagger.json"


def prepare(db_path: Path) -> str:
    from tests import factories

    from huitian import migrate
    from huitian.auth import service as auth_service
    from huitian.db import Database
    from huitian.intake import service as intake_service

    url = f"sqlite:///{db_path}"
    migrate.upgrade(url)
    db = Database(url)
    with db.write() as s:
        factories.build_world(s, password="bench-pass-1")
        _, key = auth_service.create_api_key(s, name="schemathesis")
        # The swagger sends the key only where it declares security (POST): public reading on, so that
        # the GETs of requests and tokens answer (coarse views) rather than 403 (issue 14, item 1).
        intake_service.set_public_read(s, enabled=True)
        s.commit()
    db.dispose()
    return key


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-examples", type=int, default=30)
    ap.add_argument(
        "--format", choices=["json", "xml", ""], default="json", help="pin response_format ('' fuzzes it)"
    )
    args, extra = ap.parse_known_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "huitian.db"
        key = prepare(db_path)
        port = free_port()
        cmd = [PY, "-m", "huitian.cli", "serve", "--db", str(db_path), "--port", str(port)]
        server = start(cmd, {"HUITIAN_EMBEDDED_WORKER": "0"}, port)
        try:
            st = [
                str(Path(PY).parent / "schemathesis"),
                "run",
                str(SWAGGER),
                "--url",
                f"http://127.0.0.1:{port}/open311/v2",
                "--max-examples",
                str(args.max_examples),
                "--seed",
                "311",
                *extra,
            ]
            # The swagger declares api_key as a query-string security scheme: send our real key.
            config = Path(tmp) / "schemathesis.toml"
            pin = f'[parameters]\nresponse_format = "{args.format}"\n' if args.format else ""
            config.write_text(f'[auth.openapi.api_key]\napi_key = "{key}"\n{pin}')
            rc = subprocess.call([st[0], "--config-file", str(config), *st[1:]], cwd=tmp)
        finally:
            stop(server)
    sys.exit(rc)


if __name__ == "__main__":
    main()
