"""A socket-free client of the Infobip REST component, for the unit tests (through dispatch)."""

from __future__ import annotations

import base64
import json
from typing import Any

from werkzeug.test import EnvironBuilder

from pytest_smsmock.core.callbacks import CallbackRequest, CallbackResult
from pytest_smsmock.providers.base import ProviderFake

BASIC_TEST = "Basic " + base64.b64encode(b"test:test").decode()


class Answer:
    def __init__(self, status: int, content_type: str, body: bytes) -> None:
        self.status = status
        self.content_type = content_type
        self.body = body

    def json(self) -> Any:
        assert self.content_type == "application/json", (self.content_type, self.body)
        return json.loads(self.body)

    def exception(self) -> dict[str, Any]:
        data = self.json()
        assert list(data) == ["requestError"], data
        assert list(data["requestError"]) == ["serviceException"], data
        details: dict[str, Any] = data["requestError"]["serviceException"]
        return details


class Client:
    def __init__(self, fake: ProviderFake, auth: str | None = BASIC_TEST) -> None:
        self.fake = fake
        self.auth = auth

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        query: Any = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> Answer:
        all_headers = {"Authorization": self.auth} if self.auth is not None else {}
        data: bytes | None = raw
        if body is not None:
            data = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        request = EnvironBuilder(
            method=method, path=path, data=data, headers=all_headers, query_string=query
        ).get_request()
        response = self.fake.dispatch(request, "primary")
        return Answer(response.status_code, response.content_type or "", response.get_data())

    def post(self, path: str, body: Any, **kwargs: Any) -> Answer:
        return self.request("POST", path, body, **kwargs)

    def get(self, path: str, query: Any = None, **kwargs: Any) -> Answer:
        return self.request("GET", path, query=query, **kwargs)


class Recorder:
    """A callback sender that records what the fake pushes, answering 200 (or as told)."""

    def __init__(self, answers: list[CallbackResult] | None = None) -> None:
        self.answers = list(answers or [])
        self.requests: list[CallbackRequest] = []

    def __call__(self, request: CallbackRequest) -> CallbackResult:
        self.requests.append(request)
        return self.answers.pop(0) if self.answers else CallbackResult(status=200)

    def bodies(self) -> list[Any]:
        return [json.loads(r.body) for r in self.requests]
