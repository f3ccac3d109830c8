"""Pages and the assets they name deploy together (infra/cloudbuild/deploy.sh, README.md
"Deploy order"): posts renders pages from the shell of its own web build, whose hashed
assets only the gateway serves, so the gateway deploys first and keeps the release posts
serves now, posts deploys only onto a gateway serving its release, and a build whose
gateway would drop a release still in use changes nothing."""
import unittest

from deploy_harness import IMAGES, OLDER, PREVIOUS, RELEASE, SERVICES, DeployHarness


class DeployOrderTest(DeployHarness):
    def test_the_gateway_is_deployed_before_posts(self):
        run = self.deploy("b1", "c1")
        self.assertEqual(run.returncode, 0, run.stderr)
        log = self.state["log"]
        self.assertLess(log.index(f"deploy folio-gateway {IMAGES}/gateway:c1"),
                        log.index(f"deploy folio-posts {IMAGES}/posts:c1"))
        self.assertEqual(SERVICES[-2:], ["gateway", "posts"])

    def test_posts_and_the_gateway_are_labelled_with_the_releases_they_serve(self):
        run = self.deploy("b1", "c1")
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(self.state["services"]["folio-posts"]["labels"]["folio_web"], RELEASE)
        self.assertEqual(self.state["services"]["folio-gateway"]["labels"]["folio_web"], f"{RELEASE}_{PREVIOUS}")
        self.assertNotIn("folio_web", self.state["services"]["folio-auth"]["labels"])

    def test_every_deployed_image_is_tagged_live(self):
        run = self.deploy("b1", "c1")
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(self.state["tags"], {f"{IMAGES}/{s}:live": f"{IMAGES}/{s}:c1" for s in SERVICES})

    def test_a_new_posts_release_redeploys_an_unchanged_gateway_that_does_not_serve_it(self):
        for s in SERVICES:
            self.deployed(s, "b1")
        self.deployed("gateway", "b1", web=PREVIOUS)
        self.deployed("posts", "b1", web=PREVIOUS)
        self.state["services"]["folio-posts"]["labels"]["folio_inputs"] = "0" * 40
        run = self.deploy("b2", "c2")
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertIn("folio-gateway: inputs unchanged, but it does not serve release", run.stdout)
        self.assertEqual(self.changes(), [
            f"migrate {IMAGES}/migrate:c2",
            f"deploy folio-gateway {IMAGES}/gateway:c2",
            f"deploy folio-posts {IMAGES}/posts:c2",
        ])

    def test_posts_alone_is_deployed_when_the_gateway_already_serves_its_release(self):
        for s in SERVICES:
            self.deployed(s, "b1")
        self.deployed("gateway", "b1", web=f"{RELEASE}_{PREVIOUS}")
        self.deployed("posts", "b1", web=PREVIOUS)
        self.state["services"]["folio-posts"]["labels"]["folio_inputs"] = "0" * 40
        run = self.deploy("b2", "c2")
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(self.changes(), [f"migrate {IMAGES}/migrate:c2", f"deploy folio-posts {IMAGES}/posts:c2"])

    def test_a_gateway_that_would_drop_the_release_posts_serves_changes_nothing(self):
        # Another build deployed posts of OLDER after this build's gateway took its assets.
        self.deployed("posts", "b1", web=OLDER)
        self.state["services"]["folio-posts"]["labels"]["folio_inputs"] = "0" * 40
        run = self.deploy("b2", "c2")
        self.assertEqual(run.returncode, 1)
        self.assertIn(f"folio-posts serves pages of release {OLDER}", run.stderr)
        self.assertIn("run this build again", run.stderr)
        self.assertEqual(self.changes(), [])
        self.assertEqual(self.state["log"], ["lock taken b2", "lock removed b2"])

    def test_posts_is_not_deployed_onto_a_newer_gateway_without_its_release(self):
        self.deployed("gateway", "b2", web=OLDER)
        run = self.deploy("b1", "c1")
        self.assertEqual(run.returncode, 1)
        self.assertIn(f"folio-posts would name assets of release {RELEASE}", run.stderr)
        self.assertEqual(self.changes(), [])

    def test_a_deploy_without_the_build_notes_stops_before_the_lock(self):
        (self.notes / "web-release").unlink()
        run = self.deploy("b1", "c1")
        self.assertEqual(run.returncode, 1)
        self.assertIn("web-release is missing: build.sh (the build step) writes it", run.stderr)
        self.assertEqual(self.state["log"], [])


if __name__ == "__main__":
    unittest.main()
