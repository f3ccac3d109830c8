#!/usr/bin/env python3
"""Pins each `FROM image:tag` of a Dockerfile to its digest: `FROM image:tag@sha256:...`.

Run where a registry answers (`make pin-images` on a laptop or in a Cloud Build step);
nothing here can reach one. The digest is the registry's answer for the tag's manifest
list or index (every platform), asked of the v2 API (`GET /v2/<name>/manifests/<tag>`),
with the anonymous bearer token a public registry hands out on a 401. Already pinned
lines get the tag's current digest. Stages built on earlier stages and `scratch` are
left alone.

Usage: pin_images.py [Dockerfile]      (rewrites the file in place)
"""

import hashlib
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

# Multi-platform first: pinning one platform's manifest would break builds on the others.
ACCEPT = ", ".join(
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]
)
FROM = re.compile(
    r"^(?P<head>FROM\s+(?:--platform=\S+\s+)?)(?P<ref>[^\s@]+?)(?::(?P<tag>[\w][\w.-]*))?"
    r"(?:@(?P<digest>sha256:[0-9a-f]{64}))?(?P<tail>(?:\s+AS\s+\S+)?\s*)$",
    re.IGNORECASE,
)


class PinError(Exception):
    pass


def registry_and_name(ref):
    """`caddy` -> (registry-1.docker.io, library/caddy); `gcr.io/x/y` -> (gcr.io, x/y)."""
    first, _, rest = ref.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return first, rest
    return "registry-1.docker.io", ref if rest else f"library/{ref}"


def parse_challenge(header):
    """The realm, service and scope of a `WWW-Authenticate: Bearer ...` header."""
    scheme, _, params = header.partition(" ")
    if scheme.lower() != "bearer":
        raise PinError(f"the registry asks for {scheme} authentication, not an anonymous token")
    return dict(re.findall(r'(\w+)="([^"]*)"', params))


def digest_of(response):
    """The digest of a recorded manifest response: {"status", "headers", "body"}.

    The registry's Docker-Content-Digest header, checked against the body it came with;
    the body's sha256 when the header is missing."""
    if response["status"] != 200:
        raise PinError(f"the registry answered {response['status']}")
    headers = {name.lower(): value for name, value in response["headers"].items()}
    media_type = headers.get("content-type", "").split(";")[0].strip()
    body = response["body"].encode("utf-8") if isinstance(response["body"], str) else response["body"]
    manifest = json.loads(body)
    if manifest.get("mediaType", media_type) not in ACCEPT.split(", "):
        raise PinError(f"not an image manifest or index: {media_type or 'no media type'}")
    computed = "sha256:" + hashlib.sha256(body).hexdigest()
    claimed = headers.get("docker-content-digest", computed)
    if claimed != computed:
        raise PinError(f"the registry says {claimed} for a body whose digest is {computed}")
    return computed


def fetch_manifest(registry, name, tag, opener=urllib.request.urlopen):
    url = f"https://{registry}/v2/{name}/manifests/{tag}"
    token = None
    for _ in range(2):
        request = urllib.request.Request(url, headers={"Accept": ACCEPT})
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with opener(request, timeout=30) as answer:
                return {"status": answer.status, "headers": dict(answer.headers), "body": answer.read()}
        except urllib.error.HTTPError as err:
            if err.code != 401 or token:
                raise PinError(f"{url}: HTTP {err.code}") from err
            challenge = parse_challenge(err.headers.get("WWW-Authenticate", ""))
            query = {key: challenge[key] for key in ("service", "scope") if key in challenge}
            query.setdefault("scope", f"repository:{name}:pull")
            token_url = f"{challenge['realm']}?{urllib.parse.urlencode(query)}"
            with opener(urllib.request.Request(token_url), timeout=30) as answer:
                grant = json.load(answer)
            token = grant.get("token") or grant.get("access_token")
    raise PinError(f"{url}: no token accepted")


def pin(text, resolve):
    """Rewrites every FROM of an image with a tag; `resolve(ref, tag)` gives the digest."""
    stages = set()
    out = []
    for line in text.splitlines(keepends=True):
        match = FROM.match(line.rstrip("\n"))
        if match:
            ref, tag = match["ref"], match["tag"]
            alias = match["tail"].split()
            if ref.lower() != "scratch" and ref not in stages:
                if not tag:
                    raise PinError(f"{ref} has no tag: pin a version first")
                digest = resolve(ref, tag)
                line = f"{match['head']}{ref}:{tag}@{digest}{match['tail']}\n"
            if len(alias) == 2:
                stages.add(alias[1])
        out.append(line)
    return "".join(out)


def resolve_remote(ref, tag):
    registry, name = registry_and_name(ref)
    digest = digest_of(fetch_manifest(registry, name, tag))
    print(f"pin-images: {ref}:{tag} -> {digest}")
    return digest


def main(argv):
    path = argv[1] if len(argv) > 1 else "Dockerfile"
    with open(path, encoding="utf-8") as dockerfile:
        text = dockerfile.read()
    try:
        pinned = pin(text, resolve_remote)
    except (PinError, urllib.error.URLError) as err:
        sys.exit(f"pin-images: {err}")
    with open(path, "w", encoding="utf-8") as dockerfile:
        dockerfile.write(pinned)


if __name__ == "__main__":
    main(sys.argv)
