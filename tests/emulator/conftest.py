"""Fixtures for the emulator's own tests: HTTP sessions, tokens and clients."""

from __future__ import annotations

import typing as t

import pytest
import requests
import simple_salesforce

if t.TYPE_CHECKING:
    from sf_emulator import Emulator

API_VERSION = "62.0"


@pytest.fixture
def emu(salesforce_emulator: Emulator) -> Emulator:
    return salesforce_emulator


@pytest.fixture
def http(emu: Emulator) -> t.Iterator[requests.Session]:
    """A session that trusts the emulator's CA and ignores proxy settings."""
    with requests.Session() as session:
        session.trust_env = False
        session.verify = emu.ca_path
        yield session


def fetch_token(http: requests.Session, emu: Emulator) -> str:
    response = http.post(
        f"{emu.base_url}/services/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(emu.client_id, emu.client_secret),
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


@pytest.fixture
def token(http: requests.Session, emu: Emulator) -> str:
    return fetch_token(http, emu)


@pytest.fixture
def api(http: requests.Session, emu: Emulator, token: str) -> Api:
    return Api(http, emu.base_url, token)


@pytest.fixture
def sf(
    http: requests.Session, emu: Emulator, token: str
) -> simple_salesforce.Salesforce:
    """A simple-salesforce client in token mode, as the target builds it."""
    return simple_salesforce.Salesforce(
        session_id=token, instance_url=emu.base_url, version=API_VERSION, session=http
    )


class Api:
    """Raw REST calls with a bearer token, for checking wire shapes."""

    def __init__(self, http: requests.Session, base_url: str, token: str) -> None:
        self.http = http
        self.base_url = base_url
        self.token = token

    def url(self, path: str) -> str:
        return f"{self.base_url}/services/data/v{API_VERSION}/{path}"

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **(extra or {})}

    def get(self, path: str, **kwargs: t.Any) -> requests.Response:
        headers = self.headers(kwargs.pop("headers", None))
        return self.http.get(self.url(path), headers=headers, **kwargs)

    def query(
        self, soql: str, *, all_rows: bool = False, **kwargs: t.Any
    ) -> requests.Response:
        return self.get(
            "queryAll" if all_rows else "query", params={"q": soql}, **kwargs
        )

    def collection(
        self,
        method: str,
        records: list[dict[str, t.Any]],
        *,
        all_or_none: bool = False,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        return self.http.request(
            method,
            self.url("composite/sobjects"),
            headers=self.headers(headers),
            json={"allOrNone": all_or_none, "records": records},
        )

    def create(
        self, records: list[dict[str, t.Any]], **kwargs: t.Any
    ) -> list[dict[str, t.Any]]:
        response = self.collection("POST", records, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    def update(
        self, records: list[dict[str, t.Any]], **kwargs: t.Any
    ) -> list[dict[str, t.Any]]:
        response = self.collection("PATCH", records, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()


def contact(**fields: t.Any) -> dict[str, t.Any]:
    return {"attributes": {"type": "Contact"}, **fields}


def topic(name: str) -> dict[str, t.Any]:
    return {"attributes": {"type": "Topic"}, "Name": name}


def assignment(entity_id: str, topic_id: str) -> dict[str, t.Any]:
    return {
        "attributes": {"type": "TopicAssignment"},
        "EntityId": entity_id,
        "TopicId": topic_id,
    }


def error_codes(result: dict[str, t.Any]) -> list[str]:
    return [error["statusCode"] for error in result["errors"]]
