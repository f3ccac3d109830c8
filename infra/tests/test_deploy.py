"""infra/cloudbuild/deploy.sh against a fake gcloud (fake_gcloud.py): one build at a time
migrates and deploys, an older build never migrates or deploys over a newer one, and
only services whose inputs changed are deployed. (Pages and their assets, the gateway
before posts: test_deploy_order.py.) Run from anywhere:
    python3 -m unittest discover -s infra/tests
"""
import unittest

from deploy_harness import IMAGES, PREVIOUS, RELEASE, SERVICES, DeployHarness, inputs


class DeployTest(DeployHarness):
    def test_a_first_build_migrates_then_deploys_every_service_and_frees_the_lock(self):
        run = self.deploy("b1", "c1")
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(self.state["log"], [
            "lock taken b1",
            f"job image {IMAGES}/migrate:c1",
            f"migrate {IMAGES}/migrate:c1",
            *[line for s in SERVICES for line in (f"deploy folio-{s} {IMAGES}/{s}:c1", f"tag {s}:live c1")],
            "lock removed b1",
        ])
        self.assertEqual(self.state["job"]["labels"]["folio_build"], "20260301100000500000000")
        self.assertEqual(self.state["services"]["folio-gateway"]["labels"]["folio_inputs"], inputs("gateway"))

    def test_services_whose_inputs_did_not_change_are_not_deployed(self):
        for s in SERVICES:
            self.deployed(s, "b1")
        self.deployed("gateway", "b1", web=f"{RELEASE}_{PREVIOUS}")
        self.state["services"]["folio-posts"]["labels"]["folio_inputs"] = "0" * 40
        run = self.deploy("b2", "c2")
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(self.changes(), [
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
