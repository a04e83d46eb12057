"""The page through the framework's test client: plain forms, CSRF, uploads, errors by field, downloads."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RDC = ROOT / "src" / "regimencalc" / "regimens" / "rdc-blinatumomab.yaml"
BROKEN = ROOT / "tests" / "fixtures" / "broken" / "bad_unit.yaml"
FORM = {"regimen": "rdc-blinatumomab", "height": "170cm", "weight": "70kg", "start": "2026-01-05", "age": "40"}
CLI_ARGS = ("rdc-blinatumomab", "--height", "170cm", "--weight", "70kg", "--start", "2026-01-05", "--age", "40")
NO_FILE = {"observations_file": ("", b"")}  # a multipart form, as the browser sends it


@pytest.fixture
def client():
    from fastapi.testclient import TestClient

    from regimencalc.web.app import create_app

    return TestClient(create_app(), base_url="http://127.0.0.1:8000")


def token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def submit(client, fields: dict[str, str], files=None):
    first = client.get("/")
    return client.post("/", data={"csrf_token": token(first.text), **fields}, files=files or NO_FILE)


def error_at(page: str, field: str) -> str:
    found = re.search(
        rf'<p class="error" id="{field}-error"><span class="visually-hidden">Error: </span>(.*?)</p>', page
    )
    return unescape(found.group(1)) if found else ""


def test_the_first_screen_says_what_to_do_and_every_input_has_its_label(client):
    page = client.get("/").text
    assert "<h1>Plan a chemotherapy course</h1>" in page
    assert "Press <strong>Plan the course</strong>" in page
    ids = re.findall(r'<(?:input|select) type="(?!hidden|checkbox)[^"]*" id="([^"]+)"|<select id="([^"]+)"', page)
    ids = [a or b for a, b in ids]
    assert {"regimen", "regimen_file", "height", "weight", "age", "sex", "start", "cycles", "response"} <= set(ids)
    for name in ids:
        assert f'<label for="{name}">' in page, name
    for key in ("height", "weight", "bmi", "weight-for-age"):
        assert f'<label class="inline" for="accept-{key}"><input type="checkbox" id="accept-{key}"' in page
    assert "<script" not in page


def test_a_form_without_a_token_this_server_signed_recently_is_refused(client):
    from fastapi.testclient import TestClient

    from regimencalc.web.app import create_app
    from regimencalc.web.guard import CSRF_SECONDS, csrf_ok, new_csrf_token

    answer = client.post("/", data=FORM, files=NO_FILE)
    assert answer.status_code == 403
    assert "the form has expired or came from another page; reload the page and submit it again" in answer.text
    issued = token(client.get("/").text)
    stamp, nonce, signature = issued.split(".")
    for forged in (f"{stamp}.{nonce}.{'0' * 64}", f"{int(stamp) + 1}.{nonce}.{signature}", "", "..."):
        assert client.post("/", data={**FORM, "csrf_token": forged}, files=NO_FILE).status_code == 403, forged
    other_server = TestClient(create_app(), base_url="http://127.0.0.1:8000")  # another process, another key
    assert other_server.post("/", data={**FORM, "csrf_token": issued}, files=NO_FILE).status_code == 403
    key = b"k" * 32
    assert csrf_ok(key, new_csrf_token(key, now=1000), now=1000 + CSRF_SECONDS)
    assert not csrf_ok(key, new_csrf_token(key, now=1000), now=1001 + CSRF_SECONDS)
    assert client.post("/", data={**FORM, "csrf_token": issued}, files=NO_FILE).status_code == 200  # no cookie needed


def test_the_course_shows_flags_first_then_the_roadmap_and_the_calculations(client):
    page = submit(client, {**FORM, "action": "show"}).text
    assert page.index('class="flags"') < page.index('class="roadmap"') < page.index('class="doses"')
    # idarubicin 8 mg/m² × 1.81812 m² = 14.545 mg → 14.5 mg; vindesine 3 × 1.81812 = 5.45 mg → capped at 4 mg
    assert '<td data-label="Dose" class="dose">14.5 mg</td>' in page
    assert "vindesine: dose capped at 4 mg" in page
    assert "<strong>BSA 1.818 m²</strong>" in page


def test_the_page_shows_the_supportive_lines_and_route_labels(client):
    page = submit(
        client, {**FORM, "regimen": "blinatumomab", "height": "120cm", "weight": "22kg", "age": "7", "action": "show"}
    ).text
    assert page.index('class="flags"') < page.index('class="supportive"') < page.index('class="roadmap"')
    # child premedication: dexamethasone 5 mg/m² × 0.85635 m² = 4.282 mg → 4.28 mg, before cycle 1 days 1 and 8
    premedication = re.findall(
        r'<td data-label="When">\w+ (\S+)<br>C1 D(\d+)</td>\s*<td data-label="Kind">premedication</td>\s*<td data-label="Give or do" class="dose">([^<]+)</td>',
        page,
    )
    assert premedication == [
        ("2026-01-05", "1", "dexamethasone 4.28 mg intravenous"),
        ("2026-01-12", "8", "dexamethasone 4.28 mg intravenous"),
    ]
    assert "hospitalise for the first 9 days of the first cycle" in page
    vmp = submit(client, {**FORM, "regimen": "vicp", "action": "show"}).text
    vindesine_rows = vmp.count(
        '<td data-label="Drug">vindesine<br><strong class="route-label">FOR INTRAVENOUS USE ONLY'
    )
    assert vindesine_rows == vmp.count('<td data-label="Drug">vindesine') == 4  # VICP: vindesine days 1, 8, 15, 22


@pytest.mark.parametrize(
    ("action", "command", "extension"),
    [
        ("json", ("schedule", "--format", "json"), "json"),
        ("csv", ("schedule", "--format", "csv"), "csv"),
        ("ics", ("ics",), "ics"),
        ("sheet", ("sheet",), "html"),
    ],
)
def test_each_download_is_what_the_command_line_writes(client, run_cli, action, command, extension):
    answer = submit(client, {**FORM, "action": action})
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == f'attachment; filename="rdc-blinatumomab-2026-01-05.{extension}"'
    code, printed, _ = run_cli(command[0], *CLI_ARGS, *command[1:])
    assert code == 0 and answer.text.replace("\r\n", "\n") == printed  # click's test runner reads CRLF as LF
    assert ("\r\n" in answer.text) == (action == "ics")  # RFC 5545 lines end in CRLF


def test_the_calendar_takes_the_ics_commands_options_and_refuses_with_its_words(client, run_cli):
    options = {"per_day": "1", "time": "09:00", "tz": "Europe/Paris", "remind": "1d"}
    answer = submit(client, {**FORM, **options, "action": "ics"})
    cli = ("--per-day", "--time", "09:00", "--tz", "Europe/Paris", "--remind", "1d")
    assert answer.text.replace("\r\n", "\n") == run_cli("ics", *CLI_ARGS, *cli)[1]
    assert "DTSTART;TZID=Europe/Paris:20260105T090000" in answer.text
    page = submit(client, {**FORM, "tz": "Mars/Olympus", "time": "09:00", "action": "ics"})
    assert page.status_code == 422
    assert (
        error_at(page.text, "tz")
        == "--tz 'Mars/Olympus' is not a known time zone; write e.g. Europe/Paris or America/New_York"
    )
    assert '<section id="course"' in page.text  # the course stays on the page, the refusal beside its option


def test_the_pdf_sheet_downloads_as_pdf(client):
    answer = submit(client, {**FORM, "action": "pdf"})
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF-")


def test_refusals_appear_next_to_their_field_and_confirmations_are_check_boxes(client):
    heavy = submit(client, {**FORM, "weight": "300kg", "action": "show"})
    assert heavy.status_code == 422
    assert error_at(heavy.text, "weight") == (
        "weight 300 kg is outside the usual range 1-250 kg; check the value and its unit, or confirm it with --accept-unusual weight"
    )
    assert 'id="weight" name="weight" value="300kg"' in heavy.text and 'aria-invalid="true"' in heavy.text
    # BMI 300 / 1.7² = 103.8 kg/m² (above 60) and BSA √(170 × 300 / 3600) = 3.764 m² (above 3) need confirming too
    only_weight = submit(client, {**FORM, "weight": "300kg", "accept_unusual": "weight", "action": "show"})
    assert error_at(only_weight.text, "weight").startswith("BMI 103.8 kg/m² is outside the usual range 12-50 kg/m²")
    assert 'id="accept-weight" name="accept_unusual" value="weight" checked' in only_weight.text
    accepted = ["weight", "bmi", "bsa"]
    confirmed = submit(client, {**FORM, "weight": "300kg", "accept_unusual": accepted, "action": "show"})
    assert confirmed.status_code == 200
    assert "weight 300 kg is outside the usual range 1-250 kg: confirmed with --accept-unusual weight" in confirmed.text
    assert (
        "BSA 3.764 m² (Mosteller) is outside the usual range 0.15-3 m²: confirmed with --accept-unusual bsa"
        in confirmed.text
    )
    bad_date = submit(client, {**FORM, "start": "05/01/2026", "action": "show"})
    assert (
        error_at(bad_date.text, "start")
        == "start date '05/01/2026' is not a valid date; write it as YYYY-MM-DD, e.g. 2026-01-05"
    )
    no_regimen = submit(client, {**FORM, "regimen": "", "action": "show"})
    assert error_at(no_regimen.text, "regimen") == "regimen is missing; choose a bundled regimen or give a regimen file"
    measured = submit(client, {**FORM, "measured": "yesterday", "action": "sheet"})
    assert (
        error_at(measured.text, "measured")
        == "--measured 'yesterday' is not a valid date; write it as YYYY-MM-DD, e.g. 2026-01-05"
    )
    cycles = submit(client, {**FORM, "cycles": "two", "action": "show"})
    assert error_at(cycles.text, "cycles").startswith("cycles: Input should be a valid integer")


def test_an_uploaded_regimen_is_planned_and_carried_to_the_downloads_without_being_stored(client, run_cli):
    upload = {"regimen_file": ("C:\\protocols\\my rdc.yaml", RDC.read_bytes(), "application/yaml")}
    page = submit(client, {**FORM, "regimen": "upload", "action": "show"}, files=upload)
    assert page.status_code == 200 and '<td data-label="Dose" class="dose">14.5 mg</td>' in page.text
    assert "Using <strong>my rdc.yaml</strong>" in page.text
    carried = {
        name: unescape(value)
        for name, value in re.findall(
            r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text.split('id="downloads"')[1]
        )
    }
    assert carried["regimen_yaml"] == RDC.read_text(encoding="utf-8") and carried["regimen"] == "upload"
    answer = client.post("/", data={**carried, "action": "json"}, files=NO_FILE)
    bundled = json.loads(run_cli("schedule", *CLI_ARGS, "--format", "json")[1])
    # the same course as the bundled regimen, marked as read from the uploaded file
    assert json.loads(answer.text) == {**bundled, "regimen": {**bundled["regimen"], "file": "my rdc.yaml"}}
    assert "regimen read from the uploaded file my rdc.yaml, not a bundled regimen" in page.text
    switched = client.post("/", data={**carried, "regimen": "vicp", "action": "show"}, files=NO_FILE)
    assert switched.status_code == 200 and "VICP re-induction" in switched.text and "my rdc.yaml" not in switched.text
    both = submit(client, {**FORM, "action": "show"}, files=upload)
    assert error_at(both.text, "regimen") == (
        "a bundled regimen is chosen and my rdc.yaml was uploaded; choose “Uploaded file” to use the file, or remove it"
    )


def test_an_invalid_uploaded_file_is_reported_by_line_and_column_next_to_its_field(client, run_cli):
    upload = {"regimen_file": ("bad_unit.yaml", BROKEN.read_bytes())}
    page = submit(client, {**FORM, "regimen": "upload", "action": "show"}, files=upload)
    assert page.status_code == 422
    _, printed, _ = run_cli("validate", str(BROKEN))
    assert error_at(page.text, "regimen_file") == printed.strip().replace(str(BROKEN), "bad_unit.yaml")
    observations = {"observations_file": ("obs.yaml", b"entries: [\n")}
    page = submit(client, {**FORM, "action": "show"}, files=observations)
    assert error_at(page.text, "observations_file").startswith("obs.yaml:2:1: ")
    binary = submit(client, {**FORM, "action": "show"}, files={"observations_file": ("x.yaml", b"\xff\xfe\x00")})
    assert error_at(binary.text, "observations_file") == "x.yaml: not a text file in UTF-8; upload the YAML file itself"


def test_an_oversized_upload_is_refused_before_it_is_read(client):
    page = submit(client, {**FORM, "action": "show"}, files={"observations_file": ("big.yaml", b"#" * 600_000)})
    assert page.status_code == 413
    assert "the request is larger than 512 KB" in page.text


def test_uploaded_prior_exposure_and_observations_show_on_the_page(client, run_cli):
    prior = b"schema_version: 1\nprior:\n  - {drug: daunorubicin, dose: 200 mg/m2}\n"
    page = submit(client, {**FORM, "action": "show"}, files={"prior_file": ("prior.yaml", prior)}).text
    # daunorubicin 200 mg/m² × 0.6 = 120 mg/m² doxorubicin equivalents (tests/test_cumulative.py)
    row = re.search(r"<tr><td>daunorubicin</td>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r"<td>([^<]*)</td>", row) == ["200", "0", "200", "0.6", "120"]
    assert "cardiomyopathy surveillance is reasonable" in page
    observed = {
        "observations_file": ("vmp.yaml", (ROOT / "docs" / "examples" / "vmp-seed-000-observations.yaml").read_bytes())
    }
    fields = {
        "regimen": "vmp-lipo-mitoxantrone",
        "height": "160cm",
        "weight": "55kg",
        "start": "2022-07-06",
        "action": "show",
    }
    page = submit(client, fields, files=observed).text
    assert "· observations until 2022-08-02" in page
    statuses = re.findall(r'<tr data-id="[^"]+" class="status-(\w+)">\s*<td data-label="Date">\w+ ([\d-]+)', page)
    # as `schedule --observations` plans it: 3 given, held for grade 4 white cells, resumed on 24 July
    assert [d for s, d in statuses if s == "given"] == [
        "2022-07-06",
        "2022-07-07",
        "2022-07-08",
        "2022-07-24",
        "2022-08-02",
    ]
    assert [d for s, d in statuses if s == "moved"] == ["2022-07-25", "2022-07-26"]
    assert 'value="vmp.yaml"' in page  # carried for the downloads


def test_a_field_sent_twice_is_refused_not_one_of_them_kept(client):
    csrf = token(client.get("/").text)
    answer = client.post("/", data={"csrf_token": csrf, **FORM, "weight": ["70kg", "50kg"]}, files=NO_FILE)
    assert answer.status_code == 422
    assert error_at(answer.text, "weight") == "weight is sent twice; send it once"
