"""What the page and the API cost: server start-up to the first answer, and per-request times.

Run from an environment with regimencalc[web]:  python bench/web.py [requests]
Prints median wall times in ms and their ratio to a bare `python -c pass` (start-up) and to the
same course planned in-process without HTTP (requests, through the framework's test client).
"""

from __future__ import annotations

import datetime as dt
import http.client
import re
import socket
import statistics
import subprocess
import sys
import time

from timing import median_ms, python_pass_ms

PATIENT = {"regimen": "rdc-blinatumomab", "height": "170cm", "weight": "70kg", "start": "2026-01-05", "age": "40"}


def start_to_first_answer_ms() -> float:
    """`regimencalc serve` launched until GET /v1/regimens answers (then stopped)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "regimencalc", "serve", "--port", str(port)], stderr=subprocess.DEVNULL
    )
    try:
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                connection.request("GET", "/v1/regimens")
                if connection.getresponse().status == 200:
                    return (time.perf_counter() - start) * 1000
            except OSError:
                time.sleep(0.01)
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    from fastapi.testclient import TestClient

    from regimencalc.dosing.patient import make_patient
    from regimencalc.planner import plan
    from regimencalc.protocol.loader import load_regimen
    from regimencalc.render.tabular import render_json
    from regimencalc.web.app import create_app

    baseline = python_pass_ms(10)
    startup = statistics.median(start_to_first_answer_ms() for _ in range(5))
    print(f"{'python -c pass':<44} {baseline:8.1f} ms")
    print(f"{'serve: launch to first answer':<44} {startup:8.1f} ms  ×{startup / baseline:.1f}")

    client = TestClient(create_app(), base_url="http://127.0.0.1")
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)
    form = {**PATIENT, "csrf_token": token, "action": "show"}
    direct = median_ms(
        lambda: render_json(
            plan(load_regimen("rdc-blinatumomab"), make_patient("170cm", "70kg", "40"), dt.date(2026, 1, 5))
        ),
        runs,
    )
    print(f"{'in-process plan + render_json (no HTTP)':<44} {direct:8.1f} ms")
    cases = {
        "POST /v1/courses": lambda: client.post("/v1/courses", json=PATIENT),
        "GET /v1/regimens": lambda: client.get("/v1/regimens"),
        "GET / (the empty form)": lambda: client.get("/"),
        "POST / (form → course page)": lambda: client.post("/", data=form, files={"observations_file": ("", b"")}),
    }
    for name, action in cases.items():
        took = median_ms(action, runs)
        print(f"{name:<44} {took:8.1f} ms  ×{took / direct:.1f} of in-process")


if __name__ == "__main__":
    main()
