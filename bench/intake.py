"""Intake submissions per second with sealing, on one server core, and the latency of a submission.

    python bench/intake.py [--seconds 10] [--clients 4] [--photo]

The real server (``airpicture intake serve --tcp-port``, uvicorn, SQLite, PyNaCl sealing) runs in a child
pinned to one core; ``--clients`` threads send reports over keep-alive loopback connections for
``--seconds`` (closed loop: each sends the next when the last is answered). Printed: accepted submissions
per second and p50/p99 latency. Baselines in the same run, same client, same body:

* **framework floor** — a bench-local FastAPI app on the same uvicorn settings that validates the same
  ``ReportIn`` body and answers 201 without sealing or storing (the endpoint without the intake's work);
* **bare seal+store** — ``SealedBox`` + a SQLite insert in a plain loop, no HTTP (the crypto/storage cost).

Bars (issue 16): ≥ 200 submissions/s with sealing on one core, p99 < 100 ms. The machine state matters:
say whether it was idle when you report a figure.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _pin_to_core() -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _wait(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("server did not start")


def _photo() -> str:
    import io

    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(1)
    image = Image.fromarray((rng.random((480, 640, 3)) * 255).astype("uint8"))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return base64.b64encode(out.getvalue()).decode()


def _body(token: str, photo: str | None) -> bytes:
    report = {
        "token": token,
        "category": "helicopter",
        "observed_at": "2022-07-11T23:40+03:00",
        "time_precision_min": 15,
        "lat_deg": 52.1234,
        "lon_deg": 29.6543,
        "place_precision_km": 1,
        "how_known": "direct",
        "text": "two helicopters flying low towards the river, heading north-east " * 3,
        "photos": [photo] if photo else [],
    }
    return json.dumps(report).encode()


def _load(port: int, seconds: float, clients: int, photo: str | None) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    refused = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client() -> None:
        nonlocal refused
        con = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        con.request("POST", "/api/v1/tokens", body=b"", headers={"Content-Type": "application/json"})
        token = json.loads(con.getresponse().read())["token"]
        body = _body(token, photo)
        mine: list[float] = []
        bad = 0
        while time.monotonic() < stop:
            start = time.perf_counter()
            con.request("POST", "/api/v1/reports", body=body, headers={"Content-Type": "application/json"})
            response = con.getresponse()
            response.read()
            mine.append(time.perf_counter() - start)
            bad += response.status != 201
        with lock:
            latencies.extend(mine)
            refused += bad

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    return len(latencies) / elapsed, sorted(latencies), refused


def _pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


def _serve_intake(port: int, folder: Path) -> subprocess.Popen[bytes]:
    from airpicture.intake.sealing import generate_keypair, write_key_file

    _, public = generate_keypair()
    write_key_file(folder / "intake.pub", public, private=False)
    env = {
        **os.environ,
        "AIRPICTURE_INTAKE__DATA_DIR": str(folder / "data"),
        "AIRPICTURE_INTAKE__PUBLIC_KEY_FILE": str(folder / "intake.pub"),
        "AIRPICTURE_INTAKE__REPORTS_PER_TOKEN_PER_DAY": "100000000",
        "AIRPICTURE_INTAKE__REPORTS_PER_MINUTE": "100000000",
        "AIRPICTURE_INTAKE__TOKENS_PER_MINUTE": "100000",
    }
    command = [sys.executable, "-m", "airpicture", "intake", "serve", "--tcp-port", str(port)]
    return subprocess.Popen(command, env=env, cwd=folder, preexec_fn=_pin_to_core)


def _serve_floor(port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, __file__, "--floor-server", str(port)]
    return subprocess.Popen(command, preexec_fn=_pin_to_core)


def run_floor_server(port: int) -> None:
    """The baseline endpoint: same body model, same uvicorn settings, no sealing, no storage."""
    import uvicorn
    from fastapi import FastAPI

    from airpicture.intake.payload import Accepted, ReportIn, TokenIssued

    app = FastAPI()

    def token() -> dict[str, str]:
        return TokenIssued(token="FLOOR-TOKEN-00000000").model_dump()

    def report(body: ReportIn) -> dict[str, str]:
        for encoded in body.photos:
            base64.b64decode(encoded, validate=True)
        return Accepted().model_dump()

    report.__annotations__ = {"body": ReportIn, "return": dict}  # resolved here: this module defers annotations
    token.__annotations__ = {"return": dict}
    app.post("/api/v1/tokens", status_code=201)(token)
    app.post("/api/v1/reports", status_code=201)(report)

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="off")


def bare_seal_store(seconds: float, photo: str | None) -> float:
    """Seal + SQLite insert per report in a loop, one core, no HTTP."""
    from airpicture.intake.db import IntakeDatabase, SealedRow, new_report_id
    from airpicture.intake.sealing import Sealer, generate_keypair

    sealer = Sealer(generate_keypair()[1])
    payload = _body("x" * 20, photo)
    with tempfile.TemporaryDirectory() as folder:
        database = IntakeDatabase(Path(folder) / "bare.sqlite3")
        count, stop = 0, time.monotonic() + seconds
        began = time.monotonic()
        while time.monotonic() < stop:
            database.store(SealedRow(new_report_id(), "2022-07-11", sealer.seal(payload)))
            count += 1
        rate = count / (time.monotonic() - began)
        database.close()
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--photo", action="store_true", help="attach a 640×480 JPEG to every report")
    parser.add_argument("--floor-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor_server:
        run_floor_server(args.floor_server)
        return
    photo = _photo() if args.photo else None
    print(f"cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}; server pinned to one core; "
          f"{args.clients} clients, {args.seconds:g} s each; photo: {'yes' if photo else 'no'}")  # fmt: skip
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, start in (
            ("intake (sealing)", lambda p: _serve_intake(p, Path(folder))),
            ("framework floor", _serve_floor),
        ):
            port = _free_port()
            server = start(port)
            try:
                _wait(port)
                _load(port, 1.0, args.clients, photo)  # warm up
                rate, latencies, refused = _load(port, args.seconds, args.clients, photo)
            finally:
                server.terminate()
                server.wait(timeout=30)
            results[name] = rate
            print(f"{name:18s} {rate:8.0f} submissions/s  p50 {_pct(latencies, 0.5):6.1f} ms  "
                  f"p99 {_pct(latencies, 0.99):6.1f} ms  refused {refused}")  # fmt: skip
    _pin_to_core()
    bare = bare_seal_store(min(args.seconds, 5.0), photo)
    print(f"{'bare seal+store':18s} {bare:8.0f} reports/s (no HTTP, one core)")
    intake = results["intake (sealing)"]
    print(f"ratio intake / framework floor: {intake / results['framework floor']:.2f}; "
          f"intake / bare seal+store: {intake / bare:.3f}")  # fmt: skip
    print(f"bars: >= 200/s {'met' if intake >= 200 else 'NOT met'}")


if __name__ == "__main__":
    main()
