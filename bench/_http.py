"""A small keep-alive HTTP/1.1 load client (asyncio streams) for the benchmarks: light enough that the
client does not eat the CPU the server is being measured on."""

from __future__ import annotations

import asyncio
import json
import statistics
import time


class Conn:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(
        self, method: str, path: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        self.writer.write(head.encode() + body)
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            k, _, v = line.decode().partition(":")
            if k.lower() == "content-length":
                length = int(v)
        data = await self.reader.readexactly(length) if length else b""
        return status, data

    def close(self) -> None:
        if self.writer:
            self.writer.close()


async def load(
    host: str,
    port: int,
    path: str,
    bodies: list[bytes],
    headers: dict[str, str],
    concurrency: int,
    content_type: str = "application/json",
) -> dict:
    """POST every body once over `concurrency` keep-alive connections; return throughput and latencies."""
    headers = {"Content-Type": content_type, **headers}
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for b in bodies:
        queue.put_nowait(b)
    latencies: list[float] = []
    errors: dict[int, int] = {}
    sample_error: list[bytes] = []

    async def worker() -> None:
        conn = Conn(host, port)
        await conn.open()
        try:
            while True:
                try:
                    body = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                t0 = time.perf_counter()
                status, data = await conn.request("POST", path, body, headers)
                latencies.append(time.perf_counter() - t0)
                if status >= 300:
                    errors[status] = errors.get(status, 0) + 1
                    if not sample_error:
                        sample_error.append(data[:300])
        finally:
            conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "n": len(latencies),
        "per_s": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "errors": errors,
        "sample_error": sample_error[0].decode(errors="replace") if sample_error else None,
    }


def post_json(host: str, port: int, path: str, payload: dict) -> dict:
    async def go() -> dict:
        conn = Conn(host, port)
        await conn.open()
        try:
            status, data = await conn.request(
                "POST", path, json.dumps(payload).encode(), {"Content-Type": "application/json"}
            )
        finally:
            conn.close()
        if status >= 300:
            raise RuntimeError(f"{path}: {status} {data[:200]!r}")
        return json.loads(data)

    return asyncio.run(go())
