"""The demo's GraphQL client: the API over HTTP, as a partner's program calls it."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
from strawberry import relay

SIGN_IN = """
mutation SignIn($input: SignInInput!) {
  signIn(input: $input) { token expiresAt userErrors { field code message } }
}"""
UPLOAD = """
mutation Upload($input: UploadDocumentInput!) {
  uploadDocument(input: $input) {
    document { id kind }
    userErrors { field code message }
  }
}"""


class DemoSeedError(RuntimeError):
    """The API refused a step of the demo's seed; the message says which and why."""


class DemoClient:
    """GraphQL over HTTP against a running server, one bearer token per user."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.tokens: dict[str, str] = {}

    async def sign_in(self, email: str, password: str) -> str:
        """Sign in once per user; later calls reuse the token."""
        if email not in self.tokens:
            variables = {"input": {"email": email, "password": password}}
            payload = await self.mutate(SIGN_IN, variables, as_user=None)
            self.tokens[email] = str(payload["token"])
        return self.tokens[email]

    async def data(
        self, query: str, variables: dict[str, Any] | None, *, as_user: str | None
    ) -> dict[str, Any]:
        """The `data` of a query; any GraphQL error is a DemoSeedError."""
        response = await self.http.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers=self._headers(as_user),
        )
        return _data(response)

    async def mutate(
        self, query: str, variables: dict[str, Any], *, as_user: str | None
    ) -> dict[str, Any]:
        """The payload of a one-field mutation; userErrors are a DemoSeedError."""
        data = await self.data(query, variables, as_user=as_user)
        return _payload(data)

    async def upload(
        self, shipment_id: str, kind: str, filename: str, content: bytes, as_user: str
    ) -> dict[str, Any]:
        """uploadDocument as a GraphQL multipart request."""
        operations = {
            "query": UPLOAD,
            "variables": {
                "input": {"shipmentId": shipment_id, "kind": kind, "file": None}
            },
        }
        response = await self.http.post(
            "/graphql",
            data={
                "operations": json.dumps(operations),
                "map": json.dumps({"0": ["variables.input.file"]}),
            },
            files={"0": (filename, content, "application/pdf")},
            headers=self._headers(as_user),
        )
        return _payload(_data(response))

    def _headers(self, as_user: str | None) -> dict[str, str]:
        if as_user is None:
            return {}
        return {"authorization": f"Bearer {self.tokens[as_user]}"}


def _data(response: httpx.Response) -> dict[str, Any]:
    if response.status_code != 200:
        raise DemoSeedError(f"HTTP {response.status_code}: {response.text[:300]}")
    body: dict[str, Any] = response.json()
    if body.get("errors"):
        raise DemoSeedError(f"GraphQL errors: {body['errors']}")
    data: dict[str, Any] = body["data"]
    return data


def _payload(data: dict[str, Any]) -> dict[str, Any]:
    (payload,) = data.values()
    if payload.get("userErrors"):
        raise DemoSeedError(f"user errors: {payload['userErrors']}")
    result: dict[str, Any] = payload
    return result


def row_key(global_id: str) -> uuid.UUID:
    """The row a global ID names, for the steps the seed takes past the API."""
    return uuid.UUID(relay.GlobalID.from_id(global_id).node_id)
