"""scripts/folio_system.py: the Procfile read as every local launcher reads it.

Run: python3 -m unittest discover -s scripts/tests (make test runs it)."""

import pathlib
import signal
import sys
import tempfile
import textwrap
import time
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
import folio_system  # noqa: E402


def procfile(text: str) -> pathlib.Path:
    folder = pathlib.Path(tempfile.mkdtemp(prefix="folio-procfile-"))
    (folder / "Procfile").write_text(textwrap.dedent(text))
    return folder / "Procfile"


TWO = procfile("""\
    # a comment: skipped
    smtp: python3 sink.py --port ${SMTP_PORT:-1025}
    api: env PORT=${API_PORT:-8080} $FOLIO_BIN/folio-api
    """)


class TheRootProcfile(unittest.TestCase):
    def test_runs_the_four_services_and_the_gateway_behind_the_smtp_catcher(self):
        names = [entry.name for entry in folio_system.read_procfile()]
        self.assertEqual(names, ["smtp", "auth", "posts", "media", "mail", "gateway"])
        self.assertEqual(folio_system.binaries(), ["folio-auth", "folio-posts", "folio-media", "folio-mail"])

    def test_gives_make_dev_its_ports_and_a_base_moves_the_whole_block(self):
        self.assertEqual(folio_system.ports({}), {
            "SMTP_PORT": 1025, "AUTH_PORT": 8080, "POSTS_PORT": 8081, "MEDIA_PORT": 8082,
            "MAIL_HEALTH_PORT": 8083, "GATEWAY_PORT": 8000})
        self.assertEqual(folio_system.ports({"FOLIO_PORT_BASE": "18000"}), {
            "SMTP_PORT": 18025, "AUTH_PORT": 18080, "POSTS_PORT": 18081, "MEDIA_PORT": 18082,
            "MAIL_HEALTH_PORT": 18083, "GATEWAY_PORT": 18000})


class AProcfile(unittest.TestCase):
    def test_an_explicit_port_wins_over_the_base(self):
        entries = folio_system.read_procfile(TWO)
        chosen = folio_system.ports({"FOLIO_PORT_BASE": "30000", "API_PORT": "31234"}, entries)
        self.assertEqual(chosen, {"SMTP_PORT": 30025, "API_PORT": 31234})

    def test_a_line_without_its_own_port_is_refused_naming_it(self):
        with self.assertRaisesRegex(ValueError, "worker declares no port"):
            folio_system.read_procfile(procfile("worker: $FOLIO_BIN/folio-worker\n"))


class AProcessThatDies(unittest.TestCase):
    def test_is_named_by_the_system_and_the_others_are_stopped(self):
        state = pathlib.Path(tempfile.mkdtemp(prefix="folio-state-"))
        lines = procfile("""\
            smtp: python3 -m http.server ${SMTP_PORT:-1025} --bind 127.0.0.1
            quitter: sh -c 'echo bye; exit 3' ${QUITTER_PORT:-1}
            """)
        system = folio_system.System({"FOLIO_PORT_BASE": "29700", "FOLIO_STATE_DIR": str(state),
                                      "PATH": "/usr/bin:/bin"}, procfile=lines)
        try:
            with self.assertRaises(folio_system.PartDied) as died:
                system.start(timeout=10)
            self.assertEqual(died.exception.process.name, "quitter")
            self.assertEqual((state / "logs/quitter.log").read_text(), "bye\n")
        finally:
            started = time.monotonic()
            system.stop()
        self.assertFalse(system["smtp"].alive())
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(system["smtp"].proc.returncode, -signal.SIGTERM)


if __name__ == "__main__":
    unittest.main()
