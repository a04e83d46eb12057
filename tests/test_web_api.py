"""The REST API through the framework's test client: the CLI's JSON, its messages, the guard.

Run `python tests/test_web_api.py --regenerate` after a deliberate API change to rewrite
docs/openapi.json (and look at the diff).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
OPENAPI = ROOT / "docs" / "openapi.json"
ADULT = {"height": "170cm", "weight": "70kg", "start": "2026-01-05"}
ADULT_ARGS = ("--height", "170cm", "--weight", "70kg", "--start", "2026-01-05")
OBSERVATIONS = ROOT / "docs" / "examples" / "vmp-seed-000-observations.yaml"
BROKEN = ROOT / "tests" / "fixtures" / "broken" / "bad_unit.yaml"


@pytest.fixture(scope="module")
def client():
    from fastapi.testclient import TestClient

    from regimencalc.web.app import create_app

    return TestClient(create_app(), base_url="http://127.0.0.1:8000")


def openapi_text() -> str:
    from regimencalc.web.app import create_app

    return json.dumps(create_app().openapi(), indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize(
    ("body", "args"),
    [
        ({"regimen": "rdc-blinatumomab", **ADULT, "age": 40}, ("rdc-blinatumomab", *ADULT_ARGS, "--age", "40")),
        (
            {"regimen": "tisagenlecleucel", "height": "120cm", "weight": "22kg", "start": "2026-03-02"},
            ("tisagenlecleucel", "--height", "120cm", "--weight", "22kg", "--start", "2026-03-02"),
        ),
        (
            {"regimen": "inotuzumab-ozogamicin", **ADULT, "response": "CR", "bsa_formula": "dubois", "cycles": 2},
            ("inotuzumab-ozogamicin", *ADULT_ARGS, "--response", "CR", "--bsa-formula", "dubois", "--cycles", "2"),
        ),
        (
            {
                "regimen": "vicp",
                "height": "250cm",
                "weight": "70kg",
                "start": "2026-01-05",
                "accept_unusual": ["height", "bmi"],
            },
            (
                "vicp",
                "--height",
                "250cm",
                "--weight",
                "70kg",
                "--start",
                "2026-01-05",
                "--accept-unusual",
                "height",
                "--accept-unusual",
                "bmi",
            ),
        ),
        (
            {
                "regimen": "vmp-lipo-mitoxantrone",
                "height": "160cm",
                "weight": "55kg",
                "start": "2022-07-06",
                "observations_yaml": OBSERVATIONS.read_text(encoding="utf-8"),
            },
            (
                "vmp-lipo-mitoxantrone",
                "--height",
                "160cm",
                "--weight",
                "55kg",
                "--start",
                "2022-07-06",
                "--observations",
                str(OBSERVATIONS),
            ),
        ),
    ],
)
def test_courses_answers_exactly_what_schedule_format_json_prints(client, run_cli, body, args):
    code, printed, err = run_cli("schedule", *args, "--format", "json")
    assert code == 0, err
    answer = client.post("/v1/courses", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert answer.text == printed


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    regimen=st.sampled_from(["rdc-blinatumomab", "blinatumomab", "clag-lipo-mitoxantrone", "tisagenlecleucel", "vicp"]),
    height=st.integers(min_value=100, max_value=200),
    weight=st.integers(min_value=20, max_value=120),
    unit=st.sampled_from(["metric", "imperial"]),
)
def test_any_patient_gets_the_same_document_from_the_api_and_the_command_line(
    client, run_cli, regimen, height, weight, unit
):
    typed = (
        (f"{height}cm", f"{weight}kg") if unit == "metric" else (f"{height / 2.54:.1f} in", f"{weight * 2.2:.1f} lb")
    )
    args = (
        "--height",
        typed[0],
        "--weight",
        typed[1],
        "--start",
        "2026-01-05",
        "--response",
        "CR",
        "--accept-unusual",
        "bmi",
    )
    code, printed, err = run_cli("schedule", regimen, *args, "--format", "json")
    body = {
        "regimen": regimen,
        "height": typed[0],
        "weight": typed[1],
        "start": "2026-01-05",
        "response": "CR",
        "accept_unusual": ["bmi"],
    }
    answer = client.post("/v1/courses", json=body)
    if code == 0:
        assert (answer.status_code, answer.text) == (200, printed)
    else:  # the same refusal, word for word
        assert (answer.status_code, f"regimencalc: error: {answer.json()['detail']}\n") == (422, err)


def test_a_regimen_file_sent_as_text_plans_like_the_bundled_one(client):
    text = (ROOT / "src" / "regimencalc" / "regimens" / "rdc-blinatumomab.yaml").read_text(encoding="utf-8")
    sent = client.post("/v1/courses", json={"regimen_yaml": text, **ADULT}).json()
    bundled = client.post("/v1/courses", json={"regimen": "rdc-blinatumomab", **ADULT}).json()
    assert (sent["regimen"].pop("file"), bundled["regimen"].pop("file")) == ("regimen_yaml", None)
    assert sent == bundled
    # idarubicin 8 mg/m² (seed-003) × 1.81812 m² = 14.545 mg → 14.5 mg (3 significant figures)
    idarubicin = next(a for a in sent["administrations"] if a["drug"] == "idarubicin")
    assert idarubicin["dose"] == {"value": 14.5, "unit": "mg", "max": None}


@pytest.mark.parametrize(
    ("body", "field", "detail"),
    [
        (
            {"weight": "7000kg"},
            "weight",
            "weight '7000kg' is impossible (outside 0.3-600 kg); check the value and its unit",
        ),
        ({"weight": "70"}, "weight", "weight '70' has no unit; write it with one, e.g. '70kg' or '70 lb'"),
        (
            {"weight": "70 furlongs"},
            "weight",
            "weight '70 furlongs': unknown unit 'furlongs'; write e.g. 70kg or 154 lb",
        ),
        (
            {"weight": "300kg"},
            "weight",
            "weight 300 kg is outside the usual range 1-250 kg; check the value and its unit, or confirm it with --accept-unusual weight",
        ),
        (
            {"height": "170 kg"},
            "height",
            "height '170 kg': 'kg' is not a unit of height; write e.g. 170cm, 1.7 m or 5 ft 7 in",
        ),
        (
            {"start": "2026-13-01"},
            "start",
            "start date '2026-13-01' is not a valid date; write it as YYYY-MM-DD, e.g. 2026-01-05",
        ),
        ({"cycles": 9}, "cycles", "--cycles 9: regimen 'vicp' has 1 cycle; leave --cycles out or give --cycles 1"),
        (
            {"accept_unusual": ["everything"]},
            "accept_unusual",
            "--accept-unusual everything is not a key; use one of height, weight, age, bmi, bsa, height-for-age, weight-for-age, cumulative",
        ),
    ],
)
def test_refusals_are_problem_details_with_the_command_lines_message(client, run_cli, body, field, detail):
    request = {"regimen": "vicp", **ADULT, **body}
    answer = client.post("/v1/courses", json=request)
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json() == {
        "type": "/problems/invalid-input",
        "title": "Invalid input",
        "status": 422,
        "detail": detail,
        "field": field,
    }
    args = [a for k, v in request.items() if k != "regimen" for a in _cli_args(k, v)]
    code, _, err = run_cli("schedule", "vicp", *args)
    assert (code, err) == (1, f"regimencalc: error: {detail}\n")


@pytest.mark.parametrize(
    ("body", "field", "detail"),
    [
        ({"sex": "X"}, "sex", "sex 'X' is not F or M"),
        ({"response": "maybe"}, "response", "response 'maybe' is not one of CR, CRi, PR, NR"),
        (
            {"bsa_formula": "guess"},
            "bsa_formula",
            "unknown BSA formula 'guess'; use one of mosteller, dubois, haycock, gehan-george, boyd",
        ),
    ],
)
def test_choices_the_command_line_checks_itself_are_refused_by_the_core(client, body, field, detail):
    answer = client.post("/v1/courses", json={"regimen": "vicp", **ADULT, **body})
    assert (answer.status_code, answer.json()["field"], answer.json()["detail"]) == (422, field, detail)


def _cli_args(key: str, value: object) -> list[str]:
    option = f"--{key.replace('_', '-')}"
    values = value if isinstance(value, list) else [value]
    return [a for v in values for a in (option, str(v))]


def test_an_unknown_regimen_is_refused_and_a_path_is_never_read(client):
    answer = client.post("/v1/courses", json={"regimen": "/etc/passwd", **ADULT})
    assert answer.status_code == 422 and answer.json()["field"] == "regimen"
    assert answer.json()["detail"].startswith("no regimen '/etc/passwd': not a bundled id (blinatumomab, ")
    assert "root:" not in answer.text
    both = client.post("/v1/courses", json={"regimen": "vicp", "regimen_yaml": "id: x", **ADULT})
    assert both.json()["detail"] == "give a bundled regimen id or a regimen file, not both"


def test_an_invalid_regimen_file_answers_with_every_located_problem(client, run_cli):
    answer = client.post(
        "/v1/validate", json={"regimen_yaml": BROKEN.read_text(encoding="utf-8"), "filename": "bad_unit.yaml"}
    )
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["type"] == "/problems/invalid-file"
    _, printed, _ = run_cli("validate", str(BROKEN))
    assert problem["detail"] == printed.replace(str(BROKEN), "bad_unit.yaml").removesuffix("\n")
    assert problem["problems"] == [
        {
            "file": "bad_unit.yaml",
            "line": 20,
            "column": 36,
            "path": "phases[0].lines[0].dose.amount",
            "message": "dose '3 mg/xx': unknown unit 'xx'; write e.g. '3 mg/m2', '5 mcg/kg' or '28 mcg/day'",
        }
    ]
    good = (ROOT / "src" / "regimencalc" / "regimens" / "vicp.yaml").read_text(encoding="utf-8")
    assert client.post("/v1/validate", json={"regimen_yaml": good}).json() == {
        "valid": True,
        "id": "vicp",
        "version": "1.0",
        "name": "VICP re-induction (vindesine, idarubicin, cyclophosphamide, prednisone)",
    }


def test_an_invalid_observations_file_is_located_under_its_field_name(client):
    answer = client.post("/v1/courses", json={"regimen": "vicp", **ADULT, "observations_yaml": "entries: [\n"})
    assert answer.status_code == 422
    assert answer.json()["field"] == "observations_yaml"
    assert answer.json()["detail"].startswith("observations_yaml:2:1: ")


def test_regimens_are_listed_and_read_by_bundled_id_only(client):
    from regimencalc.protocol.bundled import bundled_ids

    listed = client.get("/v1/regimens").json()
    assert [r["id"] for r in listed] == bundled_ids()
    assert {"id": "vicp", "version": "1.0"}.items() <= next(r for r in listed if r["id"] == "vicp").items()
    vicp = client.get("/v1/regimens/vicp").json()
    assert (vicp["id"], vicp["sources"]["seed-000"]["doi"]) == ("vicp", "10.3389/fmed.2024.1383288")
    for hostile in ("..", "%2e%2e", "..%2F..%2Fetc%2Fpasswd", "vicp.yaml", "%2Fetc%2Fpasswd", "regimen.schema"):
        answer = client.get(f"/v1/regimens/{hostile}")
        assert answer.status_code == 404, hostile
        assert answer.headers["content-type"] == "application/problem+json"
    assert client.get("/v1/regimens/%2e%2e").json()["detail"].startswith("no regimen '..': not a bundled id (")


def test_malformed_requests_are_clear_4xx_problems(client):
    cases = [
        (client.post("/v1/courses", content=b"{not json", headers={"content-type": "application/json"}), 422),
        (
            client.post(
                "/v1/courses", content=json.dumps({"regimen": "vicp", **ADULT}), headers={"content-type": "text/plain"}
            ),
            415,
        ),
        (client.post("/v1/courses", json={"regimen": "vicp", **ADULT, "wieght": "70kg"}), 422),
        (client.post("/v1/courses", json={"regimen": "vicp"}), 422),
        (client.get("/v1/courses"), 405),
        (client.get("/v1/nothing"), 404),
    ]
    for answer, status in cases:
        assert answer.status_code == status, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["status"] == status and "Traceback" not in answer.text
    assert cases[0][0].json()["detail"].startswith("the body is not valid JSON at character 1 (")
    assert cases[0][0].json().get("field") is None  # a character offset is no field
    assert cases[1][0].json()["detail"] == "the body must be sent with Content-Type: application/json, not 'text/plain'"
    array = client.post("/v1/courses", json=["vicp"])
    assert array.json()["detail"] == "the body must be a JSON object, sent with Content-Type: application/json"
    assert cases[2][0].json()["detail"] == "unknown field 'wieght'; remove it or check its spelling (see docs/web.md)"
    assert cases[3][0].json()["detail"] == "height is missing; weight is missing; start is missing"
    path = client.post("/v1/courses", json={"regimen": "vicp", **ADULT, "observations": "/tmp/obs.yaml"})
    assert path.json()["detail"] == "send the observations file's text as observations_yaml; the server reads no paths"


def test_a_key_given_twice_in_the_json_is_refused_not_the_last_kept(client):
    body = b'{"regimen": "vicp", "height": "170cm", "weight": "70kg", "weight": "50kg", "start": "2026-01-05"}'
    answer = client.post("/v1/courses", content=body, headers={"content-type": "application/json"})
    assert (answer.status_code, answer.json()["detail"]) == (
        422,
        "the key 'weight' appears twice in one JSON object; give each key once",
    )
    nested = b'{"regimen_yaml": "a: 1", "filename": "a.yaml", "filename": "b.yaml"}'
    assert client.post("/v1/validate", content=nested, headers={"content-type": "application/json"}).status_code == 422


def test_the_command_lines_hyphenated_option_names_are_accepted(client):
    hyphens = {"regimen": "vicp", **ADULT, "bsa-formula": "boyd", "accept-unusual": "bmi", "bsa-cap": "2m2"}
    underscores = {"regimen": "vicp", **ADULT, "bsa_formula": "boyd", "accept_unusual": ["bmi"], "bsa_cap": "2m2"}
    answer = client.post("/v1/courses", json=hyphens)
    assert answer.status_code == 200 and answer.json()["patient"]["bsa_formula"] == "Boyd"
    assert answer.text == client.post("/v1/courses", json=underscores).text


def test_a_foreign_host_header_is_refused(client):
    answer = client.get("/v1/regimens", headers={"host": "attacker.example:8000"})
    assert answer.status_code == 400
    assert answer.json()["detail"] == (
        "Host 'attacker.example:8000' is not this server; open the page at http://127.0.0.1 (or start serve with --allowed-host)"
    )
    for host in ("127.0.0.1:8000", "localhost", "[::1]:8000", "127.0.0.2"):
        assert client.get("/v1/regimens", headers={"host": host}).status_code == 200, host


def test_an_oversized_body_is_refused_with_413(client):
    big = json.dumps({"regimen": "vicp", **ADULT, "observations_yaml": "#" * 600_000})
    answer = client.post("/v1/courses", content=big, headers={"content-type": "application/json"})
    assert answer.status_code == 413
    assert (
        answer.json()["detail"]
        == "the request is larger than 512 KB; regimen, observations and profile files are a few KB"
    )

    def chunks():  # no Content-Length: the limit is counted as the body arrives
        for _ in range(10):
            yield b"#" * 100_000

    streamed = client.post("/v1/validate", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413


def test_every_answer_carries_the_security_headers(client):
    for answer in (client.get("/"), client.get("/v1/regimens"), client.get("/static/style.css"), client.get("/nope")):
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        assert "script-src" not in answer.headers["content-security-policy"]  # default-src 'none': no script at all
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["cache-control"] == "no-store"


def test_the_committed_openapi_document_is_the_served_one(client):
    served = client.get("/openapi.json")
    assert served.status_code == 200
    assert json.dumps(served.json(), indent=2, ensure_ascii=False) + "\n" == OPENAPI.read_text(encoding="utf-8"), (
        "regenerate with: python tests/test_web_api.py --regenerate"
    )
    paths = served.json()["paths"]
    assert sorted(paths) == ["/v1/courses", "/v1/regimens", "/v1/regimens/{regimen_id}", "/v1/validate"]


def test_a_bug_answers_500_without_a_traceback_or_the_values_sent(monkeypatch, caplog):
    from fastapi.testclient import TestClient

    import regimencalc.web.api
    from regimencalc.web.app import create_app

    def broken(request):
        raise ZeroDivisionError(f"weight was {request.weight}")

    monkeypatch.setattr(regimencalc.web.api, "plan_request", broken)
    client = TestClient(create_app(), base_url="http://127.0.0.1", raise_server_exceptions=False)
    answer = client.post("/v1/courses", json={"regimen": "vicp", **ADULT})
    assert answer.status_code == 500
    assert answer.json()["detail"] == "internal error (ZeroDivisionError); please report it"
    assert "70kg" not in answer.text and "70kg" not in caplog.text and "Traceback" not in caplog.text


def test_serve_listens_on_loopback_unless_told_and_then_warns(run_cli, monkeypatch):
    import regimencalc.web.server

    started = []
    monkeypatch.setattr(regimencalc.web.server, "serve", lambda *args: started.append(args))
    code, _, err = run_cli("serve")
    assert (code, started[-1], err) == (
        0,
        ("127.0.0.1", 8000, ()),
        "regimencalc: serving http://127.0.0.1:8000/ (Ctrl+C to stop)\n",
    )
    code, _, err = run_cli("serve", "--host", "0.0.0.0", "--port", "8080", "--allowed-host", "pharmacy-pc")
    assert code == 0 and started[-1] == ("0.0.0.0", 8080, ("pharmacy-pc",))
    assert err.startswith("regimencalc: warning: listening on 0.0.0.0: other machines can reach the page")


if __name__ == "__main__" and sys.argv[1:] == ["--regenerate"]:
    OPENAPI.write_text(openapi_text(), encoding="utf-8")
    print(f"wrote {OPENAPI}")
