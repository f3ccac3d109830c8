"""infra/*.tf parsed with python-hcl2 (make lint-deploy installs it), for the static
tests: every resource, variable and local by name."""
import pathlib

import hcl2

ROOT = pathlib.Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"


def unquote(value):
    return value[1:-1] if isinstance(value, str) and value.startswith('"') and value.endswith('"') else value


def load():
    resources, variables, locals_ = {}, {}, {}
    for path in sorted(INFRA.glob("*.tf")):
        with path.open() as f:
            parsed = hcl2.load(f)
        for block in parsed.get("resource", []):
            for rtype, named in block.items():
                for name, body in named.items():
                    resources[(unquote(rtype), unquote(name))] = body
        for block in parsed.get("variable", []):
            for name, body in block.items():
                variables[unquote(name)] = body
        for block in parsed.get("locals", []):
            locals_.update({k: v for k, v in block.items() if not k.startswith("__")})
    return resources, variables, locals_


RESOURCES, VARIABLES, LOCALS = load()


def of_type(rtype):
    return {name: body for (t, name), body in RESOURCES.items() if t == rtype}


def default(variable):
    return VARIABLES[variable]["default"]


def bindings():
    """Every IAM member resource as (address, role, member)."""
    for (rtype, name), body in RESOURCES.items():
        if rtype.endswith("_iam_member"):
            yield f"{rtype}.{name}", unquote(body["role"]), unquote(body["member"])
