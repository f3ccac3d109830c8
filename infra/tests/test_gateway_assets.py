"""The gateway image keeps the hashed web assets of earlier releases (README.md, "Deploy
order"): infra/cloudbuild/web-releases.sh choosing them from folders, and
infra/cloudbuild/gateway-assets.sh making the image from the live and latest gateways
against a fake docker (fake_docker.py)."""
import hashlib
import os
import pathlib
import shutil
import subprocess
import tempfile
import unittest

ROOT = pathlib.Path(__file__).resolve().parents[2]
CLOUDBUILD = ROOT / "infra" / "cloudbuild"
REPOSITORY = "europe-west1-docker.pkg.dev/p/folio/gateway"


def release_id(*paths):
    return hashlib.sha256("".join(p + "\n" for p in sorted(paths)).encode()).hexdigest()[:12]


class Folders(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = pathlib.Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def gateway(self, name, *assets, releases=None):
        """A gateway's /srv/assets (each asset's content is its name) and release list."""
        folder = self.dir / name
        for asset in assets:
            (folder / "assets" / asset).parent.mkdir(parents=True, exist_ok=True)
            (folder / "assets" / asset).write_text(asset)
        if releases is not None:
            (folder / "web-releases").write_text("".join(f"{r}\n" for r in releases))
        return folder

    def choose(self, own, *bases, keep=None):
        env = dict(os.environ, **({"KEEP_WEB_RELEASES": str(keep)} if keep else {}))
        out = self.dir / "out"
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run([CLOUDBUILD / "web-releases.sh", out, own, *bases],
                       check=True, capture_output=True, text=True, env=env)
        lines = (out / "web-releases").read_text().splitlines()
        kept = sorted(str(p.relative_to(out / "assets")) for p in (out / "assets").rglob("*") if p.is_file())
        return lines, kept


class WebReleasesTest(Folders):
    def test_a_first_gateway_serves_its_own_release_alone(self):
        own = self.gateway("own", "index-a1.js", "index-a1.css")
        lines, kept = self.choose(own)
        self.assertEqual(lines, [f"{release_id('index-a1.js', 'index-a1.css')} index-a1.css index-a1.js"])
        self.assertEqual(kept, [])

    def test_an_older_image_without_a_list_counts_as_one_release_and_is_kept_whole(self):
        own = self.gateway("own", "index-b2.js", "swagger-s1.js")
        live = self.gateway("live", "index-a1.js", "swagger-s1.js", "fonts/f1.woff2")
        lines, kept = self.choose(own, live)
        self.assertEqual(lines[1], f"{release_id('index-a1.js', 'swagger-s1.js', 'fonts/f1.woff2')}"
                                   " fonts/f1.woff2 index-a1.js swagger-s1.js")
        # What the new build has itself is not copied twice.
        self.assertEqual(kept, ["fonts/f1.woff2", "index-a1.js"])

    def test_equal_web_builds_have_equal_release_ids(self):
        own = self.gateway("own", "index-a1.js", "index-a1.css")
        live = self.gateway("live", "index-a1.css", "index-a1.js")
        lines, _ = self.choose(own, live)
        self.assertEqual(len(lines), 1)

    def test_the_live_and_latest_releases_come_first_and_the_list_is_bounded(self):
        own = self.gateway("own", "n.js")
        live = self.gateway("live", "l.js", "l1.js", "l2.js", releases=["L l.js", "L1 l1.js", "L2 l2.js"])
        latest = self.gateway("latest", "t.js", "l.js", releases=["T t.js", "L l.js"])
        lines, kept = self.choose(own, live, latest)
        self.assertEqual([line.split()[0] for line in lines], [release_id("n.js"), "L", "T", "L1"])
        self.assertEqual(kept, ["l.js", "l1.js", "t.js"])

    def test_keep_web_releases_sets_how_many_releases_one_image_serves(self):
        own = self.gateway("own", "n.js")
        live = self.gateway("live", "l.js", "l1.js", releases=["L l.js", "L1 l1.js"])
        lines, kept = self.choose(own, live, keep=2)
        self.assertEqual([line.split()[0] for line in lines], [release_id("n.js"), "L"])
        self.assertEqual(kept, ["l.js"])


class GatewayAssetsTest(Folders):
    def setUp(self):
        super().setUp()
        self.docker_root = self.dir / "docker"
        (self.docker_root / "images").mkdir(parents=True)
        (self.dir / "bin").mkdir()
        docker = self.dir / "bin" / "docker"
        docker.write_text(f'#!/bin/sh\nexec python3 {pathlib.Path(__file__).parent / "fake_docker.py"} "$@"\n')
        docker.chmod(0o755)
        self.env = dict(os.environ, PATH=f"{self.dir / 'bin'}:{os.environ['PATH']}", FAKE_DOCKER=str(self.docker_root))

    def image(self, reference, *assets, releases=None):
        folder = self.docker_root / "images" / reference.replace("/", "_").replace(":", "_")
        for asset in assets:
            (folder / "srv" / "assets" / asset).parent.mkdir(parents=True, exist_ok=True)
            (folder / "srv" / "assets" / asset).write_text(asset)
        (folder / "srv" / "index.html").parent.mkdir(parents=True, exist_ok=True)
        (folder / "srv" / "index.html").write_text(reference)
        if releases is not None:
            (folder / "etc" / "folio").mkdir(parents=True)
            (folder / "etc" / "folio" / "web-releases").write_text("".join(f"{r}\n" for r in releases))
        return folder

    def make(self):
        return subprocess.run([CLOUDBUILD / "gateway-assets.sh", "folio-gateway-stage:c3", REPOSITORY, "c3",
                               self.dir / "notes"], capture_output=True, text=True, env=self.env)

    def built(self, tag):
        return self.docker_root / "images" / f"{REPOSITORY}:{tag}".replace("/", "_").replace(":", "_")

    def test_the_image_pushed_serves_its_own_assets_and_those_of_the_live_and_latest_gateways(self):
        self.image("folio-gateway-stage:c3", "index-c3.js")
        self.image(f"{REPOSITORY}:live", "index-c1.js", releases=["C1 index-c1.js"])
        self.image(f"{REPOSITORY}:latest", "index-c2.js", "index-c1.js", releases=["C2 index-c2.js", "C1 index-c1.js"])
        run = self.make()
        self.assertEqual(run.returncode, 0, run.stderr)
        for tag in ("c3", "latest"):
            image = self.built(tag)
            self.assertEqual(sorted(p.name for p in (image / "srv" / "assets").iterdir()),
                             ["index-c1.js", "index-c2.js", "index-c3.js"])
            self.assertEqual((image / "srv" / "index.html").read_text(), "folio-gateway-stage:c3")
            ids = [line.split()[0] for line in (image / "etc" / "folio" / "web-releases").read_text().splitlines()]
            self.assertEqual(ids, [release_id("index-c3.js"), "C1", "C2"])
        self.assertEqual((self.dir / "notes" / "web-release").read_text(), release_id("index-c3.js") + "\n")
        self.assertEqual((self.dir / "notes" / "gateway-web-releases").read_text(),
                         f"{release_id('index-c3.js')}_C1_C2\n")

    def test_a_first_build_with_no_gateway_pushed_yet_serves_its_own_release(self):
        self.image("folio-gateway-stage:c3", "index-c3.js")
        run = self.make()
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertIn(f"no {REPOSITORY}:live yet", run.stdout)
        self.assertEqual(sorted(p.name for p in (self.built("c3") / "srv" / "assets").iterdir()), ["index-c3.js"])
        self.assertEqual((self.dir / "notes" / "gateway-web-releases").read_text(), release_id("index-c3.js") + "\n")


if __name__ == "__main__":
    unittest.main()
