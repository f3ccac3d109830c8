"""Nothing billed at rest by default (issue 14): every service at zero instances, the mail
worker woken on demand (internal ingress, a bearer token, a rare safety-net schedule)
with its CPU kept while an instance lives, Redis external unless Memorystore is asked
for (then with AUTH and TLS), and start-up probes that let a cold chain through.
Expressions that decide these are evaluated by `terraform console` with the variables'
defaults (no provider needed), the rest read from the parsed files."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from terraform_files import LOCALS, RESOURCES, VARIABLES, default, of_type, unquote

TERRAFORM = os.environ.get("TERRAFORM", "terraform")  # as scripts/lint-deploy.sh finds it
SERVICES = RESOURCES[("google_cloud_run_v2_service", "service")]
CONTAINER = SERVICES["template"][0]["containers"][0]


def expression(text):
    """`${...}` as parsed, back to the HCL expression."""
    return text[2:-1] if text.startswith("${") and text.endswith("}") else text


def plain(value):
    """A parsed default as the value it stands for (python-hcl2 keeps strings' quotes)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return unquote(value)


def evaluate(value, locals_=(), **variables):
    """`value` (HCL) with the named locals of infra/ and the variables' defaults, some
    overridden, evaluated by Terraform itself."""
    with tempfile.TemporaryDirectory() as tmp:
        config = [f'variable "{name}" {{ default = {json.dumps(plain(body["default"]))} }}'
                  for name, body in VARIABLES.items() if "default" in body]
        config += [f'locals {{ {name} = {expression(LOCALS[name])} }}' for name in locals_]
        with open(f"{tmp}/main.tf", "w") as f:
            f.write("\n".join(config) + "\n")
        args = [f"-var={name}={json.dumps(v)}" for name, v in variables.items()]
        run = subprocess.run([TERRAFORM, "console", *args], cwd=tmp, input=f"jsonencode({value})\n",
                             capture_output=True, text=True,
                             env=dict(os.environ, TF_CLI_CONFIG_FILE="/dev/null", TF_DATA_DIR=f"{tmp}/.terraform"))
        if run.returncode != 0:
            raise AssertionError(run.stderr)
        return json.loads(json.loads(run.stdout))


def env(name):
    return LOCALS["service_env"][name]


@unittest.skipIf(shutil.which(TERRAFORM) is None, "terraform is not installed")
class ScalingTest(unittest.TestCase):
    def test_every_service_has_no_minimum_instance_by_default(self):
        self.assertEqual(evaluate("local.min_instances", ["min_instances"]),
                         {"auth": 0, "posts": 0, "media": 0, "mail": 0})
        self.assertEqual(SERVICES["template"][0]["scaling"][0]["min_instance_count"], "${local.min_instances[each.key]}")

    def test_mail_always_on_keeps_one_mail_instance_and_only_that(self):
        self.assertEqual(evaluate("local.min_instances", ["min_instances"], mail_always_on=True),
                         {"auth": 0, "posts": 0, "media": 0, "mail": 1})
        self.assertEqual(env("mail")["MAIL_ALWAYS_ON"], "${tostring(var.mail_always_on)}")
        # Always on, the worker never goes quiet: nothing to wake.
        self.assertEqual(RESOURCES[("google_cloud_scheduler_job", "mail_wake")]["count"], "${var.mail_always_on ? 0 : 1}")

    def test_one_mail_worker_at_most_the_api_services_by_their_connection_share(self):
        self.assertEqual(evaluate("local.max_instances", ["max_instances"]),
                         {"auth": 20, "posts": 30, "media": 10, "mail": 1})

    def test_only_the_mail_worker_keeps_its_cpu_between_requests(self):
        self.assertEqual(CONTAINER["resources"][0]["cpu_idle"], "${!contains(local.cpu_always_allocated, each.key)}")
        idle = evaluate("{for name in keys(var.services) : name => !contains(local.cpu_always_allocated, name)}",
                        ["cpu_always_allocated"])
        self.assertEqual(idle, {"auth": True, "posts": True, "media": True, "mail": False})
        gateway = RESOURCES[("google_cloud_run_v2_service", "gateway")]["template"][0]["containers"][0]
        self.assertIs(gateway["resources"][0]["cpu_idle"], True)


class WakeTest(unittest.TestCase):
    def test_auth_wakes_mail_at_its_internal_url_with_a_token_only_they_read(self):
        self.assertEqual(unquote(SERVICES["ingress"]), "INGRESS_TRAFFIC_INTERNAL_ONLY")
        self.assertEqual(env("auth")["MAIL_WAKE_URL"], "${local.mail_wake_url}")
        self.assertEqual(unquote(LOCALS["mail_wake_url"]), '${local.service_urls["mail"]}/internal/wake')
        self.assertIn("https://folio-${name}-${data.google_project.folio.number}.${var.region}.run.app",
                      LOCALS["service_urls"])
        readers = {w for w, secrets in LOCALS["workload_secrets"].items() if '"mail-wake-token"' in secrets}
        self.assertEqual(readers, {"auth", "mail"})
        self.assertEqual(unquote(LOCALS["secret_env"]["mail-wake-token"]), "MAIL_WAKE_TOKEN")

    def test_the_wake_token_is_generated_long_enough_for_production(self):
        token = RESOURCES[("random_password", "mail_wake_token")]
        self.assertGreaterEqual(token["length"], 32)
        version = RESOURCES[("google_secret_manager_secret_version", "mail_wake_token")]
        self.assertEqual(version["secret_data"], "${random_password.mail_wake_token.result}")
        self.assertIn("mail-wake-token = google_secret_manager_secret_version.mail_wake_token.version",
                      LOCALS["secret_versions"])

    def test_the_safety_net_schedule_posts_the_wake_with_the_bearer_token(self):
        job = RESOURCES[("google_cloud_scheduler_job", "mail_wake")]
        target = job["http_target"][0]
        self.assertEqual(unquote(target["http_method"]), "POST")
        self.assertEqual(target["uri"], "${local.mail_wake_url}")
        self.assertEqual(unquote(target["headers"]["Authorization"]), "Bearer ${random_password.mail_wake_token.result}")
        self.assertNotIn("oidc_token", target)
        self.assertEqual(job["schedule"], "${var.mail_wake_schedule}")
        self.assertEqual(unquote(default("mail_wake_schedule")), "0 */6 * * *")
        self.assertIn('"cloudscheduler.googleapis.com"', str(RESOURCES[("google_project_service", "apis")]["for_each"]))

    def test_mail_is_told_its_active_window_and_its_smtp_settings(self):
        mail = env("mail")
        self.assertEqual(mail["MAIL_ACTIVE_SECONDS"], "${tostring(var.mail_active_seconds)}")
        self.assertLess(default("mail_active_seconds"), 15 * 60, "quiet before Cloud Run retires the instance")
        self.assertEqual(mail["MAIL_SERVER"], "${var.mail.server}")
        self.assertEqual(env("posts"), {})


class RedisTest(unittest.TestCase):
    def test_no_memorystore_instance_unless_asked_for(self):
        self.assertIs(default("memorystore"), False)
        for rtype, name in [("google_redis_instance", "folio"), ("google_secret_manager_secret_version", "memorystore_url")]:
            self.assertEqual(RESOURCES[(rtype, name)]["count"], "${var.memorystore ? 1 : 0}", rtype)
        self.assertEqual(list(of_type("google_redis_instance")), ["folio"])

    def test_memorystore_has_auth_and_in_transit_encryption(self):
        instance = RESOURCES[("google_redis_instance", "folio")]
        self.assertIs(instance["auth_enabled"], True)
        self.assertEqual(unquote(instance["transit_encryption_mode"]), "SERVER_AUTHENTICATION")

    def test_with_memorystore_the_services_get_a_rediss_url_with_auth_and_its_ca(self):
        url = unquote(RESOURCES[("google_secret_manager_secret_version", "memorystore_url")]["secret_data"])
        self.assertRegex(url, r"^rediss://:\$\{google_redis_instance\.folio\[0\]\.auth_string\}@")
        self.assertIn("REDIS_CA_CERT = local.memorystore_ca", LOCALS["redis_tls_env"])
        for workload in ("auth", "posts", "mail"):
            self.assertIn("local.redis_tls_env", LOCALS["group_env"][workload], workload)
        self.assertIn("google_redis_instance.folio[0].server_ca_certs[*].cert", LOCALS["memorystore_ca"])

    def test_every_service_using_redis_reads_its_url_from_the_secret_never_in_plain(self):
        for workload in ("auth", "posts", "mail"):
            self.assertIn('"redis-url"', LOCALS["workload_secrets"][workload], workload)
        # Media keeps no Redis state: it is not given the URL, nor access to the secret.
        self.assertNotIn('"redis-url"', LOCALS["workload_secrets"]["media"])
        self.assertNotIn("redis_tls_env", LOCALS["group_env"]["media"])
        self.assertNotIn("REDIS_URL", LOCALS["common_env"])
        self.assertEqual(unquote(LOCALS["secret_env"]["redis-url"]), "REDIS_URL")


class ProbesTest(unittest.TestCase):
    def window(self, probe):
        return probe["period_seconds"] * probe["failure_threshold"]

    def test_the_services_are_ready_when_they_serve_not_when_their_dependencies_answer(self):
        probe = CONTAINER["startup_probe"][0]
        self.assertEqual(unquote(probe["http_get"][0]["path"]), "/livez")
        self.assertGreaterEqual(self.window(probe), 60)
        self.assertLessEqual(probe["timeout_seconds"], probe["period_seconds"])
        self.assertEqual(unquote(CONTAINER["liveness_probe"][0]["http_get"][0]["path"]), "/livez")

    def test_the_gateway_start_up_probe_allows_its_start(self):
        gateway = RESOURCES[("google_cloud_run_v2_service", "gateway")]["template"][0]["containers"][0]
        self.assertGreaterEqual(self.window(gateway["startup_probe"][0]), 10)
        self.assertTrue(re.fullmatch(r"/gateway/livez", unquote(gateway["startup_probe"][0]["http_get"][0]["path"])))


if __name__ == "__main__":
    unittest.main()
