"""Errors are problem documents that repeat nothing the caller sent; request logs carry templates and ids only."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI

from joinedup.api import create_app
from joinedup.store import Database

from .support import api_settings, bearer, serve

PERSONAL = "Smith-William-1961-04-03"


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def wait_for(self, logger: str, count: int) -> list[logging.LogRecord]:
        """The logger's records once there are ``count``: the server logs a request just after answering it."""
        deadline = time.monotonic() + 5
        while True:
            found = [record for record in self.records if record.name == logger]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.01)

    def everything(self) -> str:
        """Every record as text: message and every field, to search for what must not be there."""
        return "\n".join(f"{record.getMessage()} {vars(record)}" for record in self.records)


@pytest.fixture
def logs() -> Iterator[Records]:
    handler = Records()
    logger = logging.getLogger("joinedup")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(previous)


@pytest.fixture
def app(sqlite_database: Database) -> FastAPI:
    app = create_app(api_settings(sqlite_database.url, dev_tokens=True), sqlite_database)

    @app.get("/test-only/failure")
    def failure() -> None:
        raise ValueError(f"could not match {PERSONAL}")

    return app


@pytest.fixture
def client(app: FastAPI) -> Iterator[httpx.Client]:
    with serve(app) as client:
        yield client


def assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = dict(response.json())
    assert body["status"] == status and body["type"] == "about:blank" and isinstance(body["title"], str)
    assert PERSONAL not in response.text
    return body


def test_an_unknown_address_is_a_404_problem_that_does_not_echo_the_path(client: httpx.Client) -> None:
    body = assert_problem(client.get(f"/api/v1/residents/{PERSONAL}", params={"name": PERSONAL}), 404)
    assert body == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "There is no resource at this address.",
    }


def test_a_wrong_method_is_a_405_problem(client: httpx.Client) -> None:
    assert assert_problem(client.delete("/health/live"), 405)["title"] == "Method Not Allowed"


def test_an_invalid_body_is_a_422_problem_without_the_submitted_values(client: httpx.Client) -> None:
    response = client.post("/api/v1/dev/token", json={"username": PERSONAL * 5, "extra": PERSONAL})
    body = assert_problem(response, 422)
    assert body["errors"] == [
        {"loc": ["body", "username"], "type": "string_too_long", "msg": "String should have at most 64 characters"}
    ]


def test_malformed_json_is_a_422_problem(client: httpx.Client) -> None:
    response = client.post(
        "/api/v1/dev/token", content=b'{"username": "' + PERSONAL.encode(), headers={"content-type": "application/json"}
    )
    assert assert_problem(response, 422)["errors"]


def test_an_unexpected_error_is_a_500_problem_and_its_message_is_not_logged(
    client: httpx.Client, logs: Records
) -> None:
    body = assert_problem(client.get("/test-only/failure"), 500)
    assert body["detail"] == "Something went wrong on our side; it has been logged."
    assert "Traceback" not in str(body)
    failures = [record for record in logs.records if record.getMessage() == "unhandled error"]
    assert len(failures) == 1
    assert failures[0].error_type == "ValueError"  # type: ignore[attr-defined]
    assert "in failure" in failures[0].origin  # type: ignore[attr-defined]
    assert PERSONAL not in logs.everything()


def test_each_request_is_logged_with_its_route_template_status_and_principal(
    client: httpx.Client, logs: Records
) -> None:
    token = client.post("/api/v1/dev/token", json={"username": "housing-officer"}).json()["access_token"]
    assert client.get("/api/v1/whoami", params={"q": PERSONAL}, headers=bearer(token)).status_code == 200
    assert client.get("/api/v1/version").status_code == 401
    client.get(f"/api/v1/residents/{PERSONAL}")

    lines = logs.wait_for("joinedup.api.requests", count=4)
    seen = {(r.method, r.route, r.status, r.principal) for r in lines}  # type: ignore[attr-defined]
    assert seen == {
        ("POST", "/api/v1/dev/token", 200, None),
        ("GET", "/api/v1/whoami", 200, "dev-0002"),
        ("GET", "/api/v1/version", 401, None),
        ("GET", "<unmatched>", 404, None),
    }
    assert all(isinstance(r.duration_ms, float) for r in lines)  # type: ignore[attr-defined]
    assert PERSONAL not in logs.everything()
    assert token not in logs.everything()
