"""Static checks of infra/*.tf and cloudbuild.yaml for what terraform validate and
checkov cannot see and no apply can run here: the services private, the gateway the
one public entry, everything at zero instances at rest, pictures readable but not
listable, one build trigger. (Mail's wake, Redis and the probes: test_serverless.py.)"""
import re
import unittest

import yaml

from terraform_files import INFRA, RESOURCES, ROOT, bindings, default, of_type, unquote


class ServicesTest(unittest.TestCase):
    def test_the_services_and_the_mail_worker_are_one_block_taking_only_internal_traffic(self):
        services = RESOURCES[("google_cloud_run_v2_service", "service")]
        self.assertEqual(services["for_each"], "${var.services}")
        self.assertEqual(set(default("services")), {"auth", "posts", "media", "mail"})
        self.assertEqual(unquote(services["ingress"]), "INGRESS_TRAFFIC_INTERNAL_ONLY")
        self.assertEqual(set(of_type("google_cloud_run_v2_service")), {"service", "gateway"})
        self.assertFalse((INFRA / "mail.tf").exists())

    def test_the_gateway_is_the_one_public_entry_without_an_allusers_binding(self):
        gateway = RESOURCES[("google_cloud_run_v2_service", "gateway")]
        self.assertEqual(unquote(gateway["name"]), "folio-gateway")
        self.assertIn('"INGRESS_TRAFFIC_ALL"', gateway["ingress"])
        self.assertIs(gateway["invoker_iam_disabled"], True)
        public_services = [
            name for name, body in of_type("google_cloud_run_v2_service").items()
            if "INGRESS_TRAFFIC_ALL" in str(body.get("ingress", "INGRESS_TRAFFIC_ALL"))
        ]
        self.assertEqual(public_services, ["gateway"])
        invokers = [b for b in bindings() if b[1] == "roles/run.invoker"]
        self.assertEqual(invokers, [])

    def test_the_gateway_probes_a_path_caddy_answers_itself(self):
        container = RESOURCES[("google_cloud_run_v2_service", "gateway")]["template"][0]["containers"][0]
        caddyfile = (INFRA / "gateway" / "Caddyfile").read_text()
        for probe in ("startup_probe", "liveness_probe"):
            path = unquote(container[probe][0]["http_get"][0]["path"])
            self.assertRegex(caddyfile, r"handle " + re.escape(path) + r" \{\n[^}]*respond ", probe)

    def test_every_service_scales_to_zero_at_rest(self):
        for name, service in default("services").items():
            self.assertEqual(service["min_instances"], 0, name)
        self.assertEqual(default("gateway")["min_instances"], 0)
        self.assertIs(default("mail_always_on"), False)
        for name, expected in [("service", "${local.min_instances[each.key]}"),
                               ("gateway", "${var.gateway.min_instances}")]:
            scaling = RESOURCES[("google_cloud_run_v2_service", name)]["template"][0]["scaling"][0]
            self.assertEqual(scaling["min_instance_count"], expected, name)

    def test_the_gateway_and_services_reach_each_other_over_the_vpc_without_a_nat(self):
        for name in ("service", "gateway"):
            template = RESOURCES[("google_cloud_run_v2_service", name)]["template"][0]
            self.assertEqual(template["vpc_access"][0]["egress"], "${local.vpc_egress.egress}", name)
        self.assertIn('egress     = "PRIVATE_RANGES_ONLY"', (INFRA / "network.tf").read_text())
        self.assertIs(RESOURCES[("google_compute_subnetwork", "folio")]["private_ip_google_access"], True)
        zone = RESOURCES[("google_dns_managed_zone", "run_app")]
        self.assertEqual((unquote(zone["dns_name"]), unquote(zone["visibility"])), ("run.app.", "private"))
        records = RESOURCES[("google_dns_record_set", "run_app")]
        self.assertEqual(unquote(records["name"]), "*.run.app.")
        self.assertEqual(of_type("google_compute_router_nat"), {})


class AccessTest(unittest.TestCase):
    def test_the_pictures_bucket_grants_read_without_list(self):
        public = [(address, role) for address, role, member in bindings() if member == "allUsers"]
        self.assertEqual(public, [
            ("google_storage_bucket_iam_member.pictures_public_read",
             "${google_project_iam_custom_role.picture_reader.id}"),
        ])
        reader = RESOURCES[("google_project_iam_custom_role", "picture_reader")]
        self.assertEqual([unquote(p) for p in reader["permissions"]], ["storage.objects.get"])

    def test_service_accounts_wait_for_the_apis_terraform_needs(self):
        apis = str(RESOURCES[("google_project_service", "apis")]["for_each"])
        for api in ("cloudresourcemanager", "iam", "serviceusage"):
            self.assertIn(f'"{api}.googleapis.com"', apis)
        for name, account in of_type("google_service_account").items():
            self.assertIn("${google_project_service.apis}", account.get("depends_on", []), name)

    def test_the_deployer_gets_run_developer_per_service_and_job_not_project_wide(self):
        project_roles = RESOURCES[("google_project_iam_member", "build")]["for_each"]
        self.assertNotIn("roles/run.developer", str(project_roles))
        self.assertNotIn("roles/run.admin", str(project_roles))
        per_service = RESOURCES[("google_cloud_run_v2_service_iam_member", "build_deploys")]
        self.assertEqual(unquote(per_service["role"]), "roles/run.developer")
        job = RESOURCES[("google_cloud_run_v2_job_iam_member", "build_migrates")]
        self.assertEqual(unquote(job["role"]), "roles/run.developer")


class FrontTest(unittest.TestCase):
    def test_the_load_balancer_sends_everything_to_the_gateway(self):
        negs = of_type("google_compute_region_network_endpoint_group")
        self.assertEqual(list(negs), ["gateway"])
        self.assertEqual(negs["gateway"]["cloud_run"][0]["service"], "${google_cloud_run_v2_service.gateway.name}")
        url_map = RESOURCES[("google_compute_url_map", "folio")]
        self.assertNotIn("path_matcher", url_map)
        self.assertNotIn("host_rule", url_map)
        self.assertEqual(of_type("google_compute_backend_bucket"), {})

    def test_firebase_hosting_is_gone(self):
        self.assertFalse((INFRA / "firebase").exists())
        for path in [*INFRA.glob("*.tf"), ROOT / "cloudbuild.yaml"]:
            self.assertNotIn("firebase", path.read_text().lower(), path)


class PipelineTest(unittest.TestCase):
    def test_there_is_one_build_trigger(self):
        triggers = of_type("google_cloudbuild_trigger")
        self.assertEqual(len(triggers), 1)
        (trigger,) = triggers.values()
        self.assertNotIn("for_each", trigger)
        self.assertNotIn("count", trigger)

    def test_every_substitution_is_used_by_a_step_itself(self):
        # MUST_MATCH fails a build whose declared substitution no step uses directly.
        build = yaml.safe_load((ROOT / "cloudbuild.yaml").read_text())
        steps = yaml.safe_dump(build["steps"])
        for name in build["substitutions"]:
            self.assertRegex(steps, r"\$\{?" + re.escape(name) + r"\b", name)
        for name in RESOURCES[("google_cloudbuild_trigger", "deploy")]["substitutions"]:
            self.assertIn(name, build["substitutions"])

    def test_every_target_the_build_uses_is_a_dockerfile_stage(self):
        stages = set(re.findall(r"^FROM \S+ AS (\S+)", (ROOT / "Dockerfile").read_text(), re.M | re.I))
        script = (INFRA / "cloudbuild" / "build.sh").read_text()
        targets = set(re.findall(r"--target=(\w+)", script))
        targets |= set(re.search(r"targets=\(([^)]*)\)", script).group(1).split())
        self.assertEqual(targets - stages, set(), "stages build.sh builds that the Dockerfile lacks")


if __name__ == "__main__":
    unittest.main()
