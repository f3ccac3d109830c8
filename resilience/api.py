"""Small synchronous clients of the Folio HTTP API, for setting scenarios up."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from stack import Stack

PASSWORD = "resilience password"


def call(url: str, method: str = "GET", body: dict | None = None, token: str | None = None, form: dict | None = None, client_ip: str | None = None) -> tuple[int, object]:
    """One request; returns the status and the decoded JSON body (or None)."""
    headers = {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if client_ip:
        headers["X-Forwarded-For"] = client_ip
    request = urllib.request.Request(url, data, headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as err:
        raw = err.read()
        try:
            return err.code, json.loads(raw) if raw else None
        except json.JSONDecodeError:
            return err.code, raw.decode(errors="replace")


@dataclass
class User:
    id: int
    username: str
    email: str
    token: str


def register(stack: Stack, name: str, client_ip: str = "10.0.0.1") -> User:
    """A new account (its own client address, so registrations stay under their limit)."""
    email = f"{name}@example.com"
    status, user = call(stack.auth.url("/api/users"), "POST", {"username": name, "email": email, "password": PASSWORD}, client_ip=client_ip)
    assert status == 201, (status, user)
    status, token = call(stack.auth.url("/api/users/token"), "POST", form={"username": email, "password": PASSWORD}, client_ip=client_ip)
    assert status == 200, (status, token)
    return User(user["id"], name, email, token["access_token"])


def create_post(stack: Stack, user: User, title: str, content: str = "Resilience content") -> int:
    status, post = call(stack.posts.url("/api/posts"), "POST", {"title": title, "content": content}, token=user.token)
    assert status == 201, (status, post)
    return post["id"]
