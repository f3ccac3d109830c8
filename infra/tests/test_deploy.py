"""infra/cloudbuild/deploy.sh against a fake gcloud (fake_gcloud.py): one build at a time
migrates and deploys, an older build never migrates or deploys over a newer one, and
only services whose inputs changed are deployed. Run from anywhere:
    python3 -m unittest discover -s infra/tests
"""
import json
import os
import pathlib
import subprocess
import tempfile
import unittest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "infra" / "cloudbuild" / "deploy.sh"
SERVICES = ["auth", "posts", "media", "mail", "gateway"]
IMAGES = "europe-west1-docker.pkg.dev/p/folio"


def inputs(service):
    return subprocess.run(
        [ROOT / "infra" / "cloudbuild" / "inputs.sh", service],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout.strip()


class DeployTest(unittest.TestCase):
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
        self.env = dict(
            os.environ,
            PATH=f"{tmp / 'bin'}:{os.environ['PATH']}",
            FAKE_GCLOUD_STATE=str(self.state_file),
            IMAGES=IMAGES, LOCATION="europe-west1", REGION="europe-west1",
            LOCK_BUCKET="p-folio-deploy-lock", LOCK_POLL_SECONDS="0",
        )

    def tearDown(self):
        self.tmp.cleanup()

    def deploy(self, build, commit):
        self.state_file.write_text(json.dumps(self.state))
        run = subprocess.run([DEPLOY], cwd=ROOT, capture_output=True, text=True,
                             env=dict(self.env, BUILD_ID=build, COMMIT_SHA=commit))
        self.state = json.loads(self.state_file.read_text())
        return run

    def stamp(self, build):
        return subprocess.run(["date", "-u", "-d", self.state["builds"][build]["createTime"],
                               "+%Y%m%d%H%M%S%N"], check=True, capture_output=True, text=True).stdout.strip()

    def test_a_first_build_migrates_then_deploys_every_service_and_frees_the_lock(self):
        run = self.deploy("b1", "c1")
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(self.state["log"], [
            "lock taken b1",
            f"job image {IMAGES}/migrate:c1",
            f"migrate {IMAGES}/migrate:c1",
            *[f"deploy folio-{s} {IMAGES}/{s}:c1" for s in SERVICES],
            "lock removed b1",
        ])
        self.assertEqual(self.state["job"]["labels"]["folio_build"], "20260301100000500000000")
        self.assertEqual(self.state["services"]["folio-gateway"]["labels"]["folio_inputs"], inputs("gateway"))

    def test_services_whose_inputs_did_not_change_are_not_deployed(self):
        for s in SERVICES:
            self.state["services"][f"folio-{s}"]["labels"] = {"folio_build": self.stamp("b1"), "folio_inputs": inputs(s)}
        self.state["services"]["folio-posts"]["labels"]["folio_inputs"] = "0" * 40
        run = self.deploy("b2", "c2")
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual([line for line in self.state["log"] if line.startswith(("migrate", "deploy"))], [
            f"migrate {IMAGES}/migrate:c2",
            f"deploy folio-posts {IMAGES}/posts:c2",
        ])

    def test_an_older_build_neither_migrates_nor_deploys_over_a_newer_one(self):
        self.state["job"]["labels"]["folio_build"] = self.stamp("b2")
        run = self.deploy("b1", "c1")
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertIn("this older build", run.stdout)
        self.assertEqual(self.state["log"], ["lock taken b1", "lock removed b1"])

    def test_an_older_build_skips_a_service_a_newer_build_deployed(self):
        self.state["services"]["folio-auth"]["labels"] = {"folio_build": self.stamp("b2"), "folio_inputs": "x"}
        run = self.deploy("b1", "c1")
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertNotIn(f"deploy folio-auth {IMAGES}/auth:c1", self.state["log"])
        self.assertIn(f"deploy folio-posts {IMAGES}/posts:c1", self.state["log"])

    def test_a_failed_migration_deploys_nothing_and_frees_the_lock(self):
        self.state["job"]["fails"] = True
        run = self.deploy("b1", "c1")
        self.assertNotEqual(run.returncode, 0)
        self.assertEqual(self.state["log"], [
            "lock taken b1", f"job image {IMAGES}/migrate:c1", f"migrate {IMAGES}/migrate:c1", "lock removed b1",
        ])
        self.assertNotIn("folio_build", self.state["job"]["labels"])

    def test_a_build_waits_while_another_build_holds_the_lock(self):
        self.state["builds"]["b0"] = {"createTime": "2026-03-01T09:00:00Z", "status": "WORKING", "runs_for": 2}
        self.state["objects"]["deploy.lock"] = {"content": "b0\n", "generation": 7}
        run = self.deploy("b1", "c1")
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(run.stdout.count("build b0 is deploying; waiting"), 2)
        self.assertEqual(self.state["log"][0], "lock taken b1")

    def test_the_lock_of_a_build_that_stopped_is_broken(self):
        self.state["builds"]["b0"] = {"createTime": "2026-03-01T09:00:00Z", "status": "TIMEOUT"}
        self.state["objects"]["deploy.lock"] = {"content": "b0\n", "generation": 7}
        run = self.deploy("b1", "c1")
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(self.state["log"][:2], ["lock removed b0", "lock taken b1"])
        self.assertEqual(self.state["objects"], {})


if __name__ == "__main__":
    unittest.main()
