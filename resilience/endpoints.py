"""Every operation each service documents in its `/openapi.json`, with its path parameters
filled in for a real user and post, so floods reach every handler and not only a 404."""

from __future__ import annotations

import json
import re
import urllib.request
from dataclasses import dataclass

from api import User
from stack import Service, Stack


@dataclass(frozen=True)
class Endpoint:
    service: Service
    method: str
    path: str  # concrete, parameters filled in
    json_body: bool  # documented with an application/json request body

    def __str__(self) -> str:
        return f"{self.service.name} {self.method} {self.path}"


def spec(service: Service) -> dict:
    with urllib.request.urlopen(service.url("/openapi.json"), timeout=10) as response:
        return json.load(response)


def fill(template: str, user: User, post_id: int) -> str:
    """`{post_id}` and friends: the post's id under /api/posts, the user's id elsewhere."""
    value = post_id if template.startswith("/api/posts") else user.id
    return re.sub(r"\{[^}]+\}", str(value), template)


def every_endpoint(stack: Stack, user: User, post_id: int) -> list[Endpoint]:
    found = []
    for service in (stack.auth, stack.posts, stack.media, stack.mail):
        for template, operations in spec(service)["paths"].items():
            for method, operation in operations.items():
                content = operation.get("requestBody", {}).get("content", {})
                found.append(Endpoint(service, method.upper(), fill(template, user, post_id), any(c.startswith("application/json") for c in content)))
    return found
