"""Runs infra/cloudbuild/deploy.sh against a fake gcloud (fake_gcloud.py) whose state is
a dict the tests set up and read back, with the notes build.sh leaves for it."""
import json
import os
import pathlib
import subprocess
import tempfile
import unittest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "infra" / "cloudbuild" / "deploy.sh"
# The order deploy.sh deploys in: the gateway before posts.
SERVICES = ["auth", "media", "mail", "gateway", "posts"]
IMAGES = "europe-west1-docker.pkg.dev/p/folio"
# The web release this build's posts shell names, and those its gateway image serves.
RELEASE = "0123456789ab"
PREVIOUS = "ba9876543210"
OLDER = "000000000000"


def inputs(service):
    return subprocess.run(
        [ROOT / "infra" / "cloudbuild" / "inputs.sh", service],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout.strip()


class DeployHarness(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        tmp = pathlib.Path(self.tmp.name)
        (tmp / "bin").mkdir()
        gcloud = tmp / "bin" / "gcloud"
        gcloud.write_text(f'#!/bin/sh\nexec python3 {pathlib.Path(__file__).parent / "fake_gcloud.py"} "$@"\n')
        gcloud.chmod(0o755)
        self.state_file = tmp / "state.json"
        self.state = {
            "builds": {
                "b1": {"createTime": "2026-03-01T10:00:00.5Z", "status": "WORKING"},
                "b2": {"createTime": "2026-03-01T10:05:00.123456Z", "status": "WORKING"},
            },
            "objects": {},
            "next_generation": 100,
            "job": {"labels": {}, "image": f"{IMAGES}/migrate:latest"},
            "services": {f"folio-{s}": {"labels": {}, "image": f"{IMAGES}/{s}:latest"} for s in SERVICES},
            "log": [],
        }
        self.notes = tmp / "notes"
        self.notes.mkdir()
        self.gateway_serves(RELEASE, PREVIOUS)
        self.env = dict(
            os.environ,
            PATH=f"{tmp / 'bin'}:{os.environ['PATH']}",
            FAKE_GCLOUD_STATE=str(self.state_file),
            IMAGES=IMAGES, LOCATION="europe-west1", REGION="europe-west1",
            LOCK_BUCKET="p-folio-deploy-lock", LOCK_POLL_SECONDS="0",
            BUILD_NOTES=str(self.notes),
        )

    def tearDown(self):
        self.tmp.cleanup()

    def gateway_serves(self, *releases):
        """What build.sh noted: this build's release first, then those its gateway keeps."""
        (self.notes / "web-release").write_text(releases[0] + "\n")
        (self.notes / "gateway-web-releases").write_text("_".join(releases) + "\n")

    def deploy(self, build, commit):
        self.state_file.write_text(json.dumps(self.state))
        run = subprocess.run([DEPLOY], cwd=ROOT, capture_output=True, text=True,
                             env=dict(self.env, BUILD_ID=build, COMMIT_SHA=commit))
        self.state = json.loads(self.state_file.read_text())
        return run

    def stamp(self, build):
        return subprocess.run(["date", "-u", "-d", self.state["builds"][build]["createTime"],
                               "+%Y%m%d%H%M%S%N"], check=True, capture_output=True, text=True).stdout.strip()

    def deployed(self, service, build, web=None):
        """folio-<service> as a build of `build` left it, with this commit's inputs."""
        labels = {"folio_build": self.stamp(build), "folio_inputs": inputs(service)}
        if web is not None:
            labels["folio_web"] = web
        self.state["services"][f"folio-{service}"]["labels"] = labels

    def changes(self):
        """What the run migrated and deployed, in order."""
        return [line for line in self.state["log"] if line.startswith(("migrate", "deploy"))]
