"""scripts/pin_images.py on a recorded manifest answer, without a registry.

Run: python3 -m unittest discover -s scripts/tests (make pin-images runs it first)."""

import copy
import io
import json
import pathlib
import sys
import unittest
import urllib.error

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
import pin_images  # noqa: E402

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "caddy-2.10.2-index.json"
DIGEST = "sha256:f296c5cc963ecc78f043516bf873b53b1eba37591f8a0745fb9be12042131e94"
OLD = "sha256:" + "0" * 64


def recorded():
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


class DigestOfARecordedAnswer(unittest.TestCase):
    def test_the_index_digest_is_the_registry_header_matching_the_body(self):
        self.assertEqual(pin_images.digest_of(recorded()), DIGEST)

    def test_without_the_header_the_digest_is_the_body_sha256(self):
        answer = recorded()
        del answer["headers"]["Docker-Content-Digest"]
        self.assertEqual(pin_images.digest_of(answer), DIGEST)

    def test_a_header_that_disagrees_with_the_body_is_refused(self):
        answer = recorded()
        answer["body"] = answer["body"].replace("arm64", "s390x")
        with self.assertRaisesRegex(pin_images.PinError, f"the registry says {DIGEST} for a body"):
            pin_images.digest_of(answer)

    def test_an_error_page_is_not_a_digest(self):
        answer = copy.deepcopy(recorded())
        answer["status"] = 404
        with self.assertRaisesRegex(pin_images.PinError, "^the registry answered 404$"):
            pin_images.digest_of(answer)

    def test_a_json_answer_that_is_no_manifest_is_refused(self):
        answer = recorded()
        answer["headers"]["Content-Type"] = "application/json"
        answer["body"] = '{"errors": []}'
        del answer["headers"]["Docker-Content-Digest"]
        with self.assertRaisesRegex(pin_images.PinError, "not an image manifest or index: application/json"):
            pin_images.digest_of(answer)


class TheRegistryConversation(unittest.TestCase):
    def test_a_401_challenge_is_answered_with_an_anonymous_token(self):
        seen = []

        def opener(request, timeout):
            seen.append((request.full_url, request.get_header("Authorization")))
            if request.full_url.startswith("https://auth.docker.io/token"):
                return io.BytesIO(b'{"token": "anonymous"}')
            if request.get_header("Authorization") is None:
                raise urllib.error.HTTPError(
                    request.full_url, 401, "Unauthorized",
                    {"WWW-Authenticate": 'Bearer realm="https://auth.docker.io/token",'
                     'service="registry.docker.io",scope="repository:library/caddy:pull"'},
                    None)
            answer = recorded()
            response = io.BytesIO(answer["body"].encode())
            response.status, response.headers = 200, answer["headers"]
            return response

        answer = pin_images.fetch_manifest("registry-1.docker.io", "library/caddy", "2.10.2", opener)

        self.assertEqual(pin_images.digest_of(answer), DIGEST)
        self.assertEqual(seen, [
            ("https://registry-1.docker.io/v2/library/caddy/manifests/2.10.2", None),
            ("https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Alibrary%2Fcaddy%3Apull", None),
            ("https://registry-1.docker.io/v2/library/caddy/manifests/2.10.2", "Bearer anonymous"),
        ])

    def test_image_names_map_to_their_registry(self):
        self.assertEqual(pin_images.registry_and_name("caddy"), ("registry-1.docker.io", "library/caddy"))
        self.assertEqual(pin_images.registry_and_name("minio/minio"), ("registry-1.docker.io", "minio/minio"))
        self.assertEqual(pin_images.registry_and_name("gcr.io/distroless/cc-debian12"),
                         ("gcr.io", "distroless/cc-debian12"))


class RewritingFromLines(unittest.TestCase):
    DOCKERFILE = (
        "FROM rust:1.95.0-slim-bookworm AS chef\n"
        "FROM chef AS planner\n"
        f"FROM caddy:2.10.2@{OLD} AS caddy\n"
        "FROM gcr.io/distroless/static-debian12:nonroot AS gateway\n"
        "COPY --from=caddy /usr/bin/caddy /usr/bin/caddy\n"
        "FROM scratch\n"
    )

    def test_tags_get_digests_stages_and_scratch_stay(self):
        asked = []

        def resolve(ref, tag):
            asked.append(f"{ref}:{tag}")
            return DIGEST

        pinned = pin_images.pin(self.DOCKERFILE, resolve)

        self.assertEqual(pinned, (
            f"FROM rust:1.95.0-slim-bookworm@{DIGEST} AS chef\n"
            "FROM chef AS planner\n"
            f"FROM caddy:2.10.2@{DIGEST} AS caddy\n"
            f"FROM gcr.io/distroless/static-debian12:nonroot@{DIGEST} AS gateway\n"
            "COPY --from=caddy /usr/bin/caddy /usr/bin/caddy\n"
            "FROM scratch\n"
        ))
        self.assertEqual(asked, ["rust:1.95.0-slim-bookworm", "caddy:2.10.2",
                                 "gcr.io/distroless/static-debian12:nonroot"])

    def test_an_image_without_a_tag_is_refused(self):
        with self.assertRaisesRegex(pin_images.PinError, "^node has no tag: pin a version first$"):
            pin_images.pin("FROM node AS web\n", lambda ref, tag: DIGEST)


if __name__ == "__main__":
    unittest.main()
