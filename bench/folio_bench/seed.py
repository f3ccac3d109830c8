"""The data every run starts from: 1,000 users and 100,000 posts."""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass

from .system import url
from .tools import psql

USERS = 1000
POSTS = 100_000
EMAIL = "bench@example.com"
PASSWORD = "bench password"


@dataclass
class Seeded:
    first_user: int
    first_post: int
    user_id: int
    token: str

    def wrk_env(self) -> dict[str, str]:
        return {
            "FIRST_USER": str(self.first_user),
            "USERS": str(USERS),
            "FIRST_POST": str(self.first_post),
            "POSTS": str(POSTS),
            "TOKEN": self.token,
        }


def call(method: str, target: str, body: bytes, content_type: str) -> dict:
    request = urllib.request.Request(target, body, {"Content-Type": content_type}, method=method)
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def login(gateway: str) -> str:
    form = f"username={EMAIL}&password={PASSWORD}".replace("@", "%40").replace(" ", "+").encode()
    return call("POST", f"{gateway}/api/users/token", form, "application/x-www-form-urlencoded")["access_token"]


def insert_posts(db: str, count: int, first_user: int) -> None:
    """`count` posts a minute apart, newest now, spread over the seeded users."""
    psql(
        "insert into posts (title, content, user_id, date_posted) "
        "select 'Post number ' || g, repeat('Some words of a blog post. ', 20), "
        f"{first_user} + g % {USERS}, now() - g * interval '1 minute' "
        f"from generate_series(1, {count}) g",
        db,
    )
    psql("vacuum analyze posts", db)


def seed(db: str) -> Seeded:
    """One user registered through the API (a real password hash), 999 more sharing the
    hash by SQL, then the posts."""
    print(f"seeding {USERS:,} users and {POSTS:,} posts", flush=True)
    gateway = url("gateway")
    body = json.dumps({"username": "bench", "email": EMAIL, "password": PASSWORD}).encode()
    user_id = call("POST", f"{gateway}/api/users", body, "application/json")["id"]
    psql(
        "insert into users (username, email, password_hash) "
        "select 'user' || g, 'user' || g || '@example.com', "
        f"(select password_hash from users where id = {user_id}) from generate_series(2, {USERS}) g",
        db,
    )
    insert_posts(db, POSTS, user_id)
    psql("vacuum analyze users", db)
    first_post = int(psql("select min(id) from posts", db))
    return Seeded(user_id, first_post, user_id, login(gateway))
