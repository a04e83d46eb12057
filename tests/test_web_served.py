"""A real `regimencalc serve` process on a loopback port, driven over HTTP and by headless Chromium.

The browser is Debian's chromium (installed by .ci/run), driven by Playwright through
`executable_path` (Playwright's own browser download is not used). Screenshots of the page after
submission, at desktop and tablet widths, are saved under test-artifacts/web/ (gitignored).
"""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "web"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PATIENT = {"regimen": "rdc-blinatumomab", "height": "170cm", "weight": "70kg", "start": "2026-01-05", "age": "40"}
#: Desktop and tablet (iPad-sized portrait) viewports for the screenshots.
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "tablet": {"width": 820, "height": 1180}}


@pytest.fixture(scope="module")
def server():
    """`regimencalc serve` on a free loopback port; stopped (and waited for) after the module."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "regimencalc", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while request(port, "GET", "/v1/regimens", timeout=1) is None:
            assert process.poll() is None and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        try:
            _, err = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            _, err = process.communicate()
    assert "Traceback" not in err


def request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10,
) -> tuple[int, dict[str, str], bytes] | None:
    """One bounded request; None when nothing answers."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    except OSError:
        return None
    finally:
        connection.close()


def post_json(port: int, path: str, document: object) -> tuple[int, dict[str, str], bytes]:
    answer = request(port, "POST", path, json.dumps(document).encode(), {"content-type": "application/json"})
    assert answer is not None
    return answer


def test_the_served_api_answers_as_the_command_line_and_survives_hostile_requests(server, run_cli):
    status, headers, body = post_json(server, "/v1/courses", PATIENT)
    args = [a for k, v in PATIENT.items() if k != "regimen" for a in (f"--{k}", v)]
    code, printed, _ = run_cli("schedule", "rdc-blinatumomab", *args, "--format", "json")
    assert (status, code) == (200, 0)
    assert body.decode("utf-8") == printed
    hostile = [
        request(server, "GET", "/v1/regimens", headers={"Host": "attacker.example"}),
        request(server, "GET", "/v1/regimens/..%2F..%2Fetc%2Fpasswd"),
        request(server, "GET", "/v1/regimens/%2e%2e"),
        post_json(server, "/v1/courses", {**PATIENT, "weight": "70 stone-ish"}),
        post_json(server, "/v1/courses", {**PATIENT, "regimen": "no-such-regimen"}),
        request(server, "POST", "/v1/validate", b"x" * 2_000_000, {"content-type": "application/json"}),
    ]
    assert [answer[0] for answer in hostile if answer] == [400, 404, 404, 422, 422, 413]
    for _, answer_headers, answer_body in hostile:  # type: ignore[misc]
        assert answer_headers["content-type"] == "application/problem+json"
        assert b"Traceback" not in answer_body
    assert request(server, "GET", "/v1/regimens")[0] == 200  # type: ignore[index]  # still up


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("no chromium on this machine (.ci/run installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def fill_patient(page, weight: str = "70kg") -> None:
    page.select_option("#regimen", "rdc-blinatumomab")
    page.fill("#height", "170cm")
    page.fill("#weight", weight)
    page.fill("#age", "40")
    page.fill("#start", "2026-01-05")


@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_the_page_plans_a_course_shows_its_doses_and_downloads_sheet_and_calendar(server, browser, width, tmp_path):
    context = browser.new_context(viewport=VIEWPORTS[width], accept_downloads=True)
    page = context.new_page()
    console: list[str] = []  # a blocked style or script (CSP) or a missing file shows here
    page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
    page.goto(f"http://127.0.0.1:{server}/")
    assert page.inner_text("h1") == "Plan a chemotherapy course"
    assert "Choose a regimen" in page.inner_text("header .steps")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"empty-form-{width}.png")
    fill_patient(page)
    page.get_by_role("button", name="Plan the course").click()
    page.wait_for_selector("#course")
    # idarubicin 8 mg/m² × 1.81812 m² (√(170 × 70 / 3600)) = 14.545 mg → 14.5 mg;
    # vindesine 3 mg/m² × 1.81812 = 5.454 mg → capped at 4 mg (seed-003).
    day_one = page.locator("table.roadmap tbody tr").first.inner_text()
    assert "Day 1 · Mon 2026-01-05" in day_one and "14.5 mg" in day_one and "4 mg" in day_one
    first = page.locator("table.doses tbody tr").first
    assert first.locator("td.dose").inner_text() == "14.5 mg"
    assert "8 mg/m² × 1.818 m²" in first.locator("ol.trace").inner_text()
    assert "BSA 1.818 m²" in page.inner_text("p.summary")
    assert "vindesine: dose capped at 4 mg" in page.inner_text("section.flags")
    page.screenshot(path=ARTIFACTS / f"course-{width}.png", full_page=True)
    page.screenshot(path=ARTIFACTS / f"course-{width}-first-screen.png")
    with page.expect_download() as sheet:
        page.click("#downloads button[value=sheet]")
    assert sheet.value.suggested_filename == "rdc-blinatumomab-2026-01-05.html"
    html = Path(sheet.value.path()).read_text(encoding="utf-8")
    assert "14.5 mg" in html and "BSA" in html
    with page.expect_download() as calendar:
        page.click("#downloads button[value=ics]")
    ics = Path(calendar.value.path()).read_text(encoding="utf-8")
    assert calendar.value.suggested_filename == "rdc-blinatumomab-2026-01-05.ics"
    assert ics.startswith("BEGIN:VCALENDAR") and "DTSTART;VALUE=DATE:20260105" in ics
    assert console == []
    context.close()


def test_an_invalid_weight_is_explained_next_to_the_field_using_the_keyboard_alone(server, browser):
    context = browser.new_context(viewport=VIEWPORTS["tablet"])
    page = context.new_page()
    page.goto(f"http://127.0.0.1:{server}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the form"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "regimen"
    fill_patient(page, weight="70")
    page.focus("#weight")
    page.keyboard.press("Enter")  # implicit submission: the form's first button, "Plan the course"
    page.wait_for_selector("#weight-error")
    field = page.locator(".field:has(#weight)")
    message = " ".join(field.locator(".error").inner_text().split())
    assert message == "Error: weight '70' has no unit; write it with one, e.g. '70kg' or '70 lb'"
    assert page.get_attribute("#weight", "aria-invalid") == "true"
    assert "weight-error" in page.get_attribute("#weight", "aria-describedby")
    assert page.locator("#course").count() == 0
    assert page.input_value("#height") == "170cm"  # what was typed stays
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "invalid-weight-tablet.png")
    context.close()
