#!/usr/bin/env python3
"""A stand-in for the few gcloud commands infra/cloudbuild/deploy.sh runs, for
test_deploy.py: Cloud Build, Cloud Storage (with generation preconditions), Cloud Run and
Artifact Registry tags kept in one JSON file ($FAKE_GCLOUD_STATE); every call that
changes something is logged."""
import json
import os
import re
import sys

STATE = os.environ["FAKE_GCLOUD_STATE"]


def flags(args):
    out, rest = {}, []
    for a in args:
        if a.startswith("--") and "=" in a:
            k, v = a[2:].split("=", 1)
            out[k] = v
        elif a.startswith("--"):
            out[a[2:]] = True
        else:
            rest.append(a)
    return out, rest


def labels(value):
    return dict(pair.split("=", 1) for pair in value.split(","))


def main(argv):
    with open(STATE) as f:
        s = json.load(f)
    opts, pos = flags(argv)
    cmd = " ".join(pos[:3])
    out, code = "", 0

    if pos[:2] == ["builds", "describe"]:
        build = s["builds"].get(pos[2])
        if build is None:
            code = 1
        elif opts["format"] == "value(createTime)":
            out = build["createTime"]
        else:
            # A running holder finishes (and frees its lock) after a few looks.
            build["looks"] = build.get("looks", 0) + 1
            if build["status"] == "WORKING" and build["looks"] > build.get("runs_for", 1 << 30):
                build["status"] = "SUCCESS"
                s["objects"].pop("deploy.lock", None)
            out = build["status"]
    elif pos[:2] == ["storage", "cp"]:
        name = pos[3].rsplit("/", 1)[1]
        if opts.get("if-generation-match") == "0" and name in s["objects"]:
            code = 1
        else:
            with open(pos[2]) as f:
                s["objects"][name] = {"content": f.read(), "generation": s["next_generation"]}
            s["next_generation"] += 1
            s["log"].append(f"lock taken {s['objects'][name]['content'].strip()}")
    elif pos[:2] == ["storage", "cat"]:
        obj = s["objects"].get(pos[2].rsplit("/", 1)[1])
        code, out = (1, "") if obj is None else (0, obj["content"].strip())
    elif cmd.startswith("storage objects describe"):
        obj = s["objects"].get(pos[3].rsplit("/", 1)[1])
        code, out = (1, "") if obj is None else (0, str(obj["generation"]))
    elif pos[:2] == ["storage", "rm"]:
        name = pos[2].rsplit("/", 1)[1]
        obj = s["objects"].get(name)
        if obj is None or str(obj["generation"]) != opts.get("if-generation-match"):
            code = 1
        else:
            del s["objects"][name]
            s["log"].append(f"lock removed {obj['content'].strip()}")
    elif cmd == "run jobs describe":
        out = s["job"]["labels"].get("folio_build", "")
    elif cmd == "run jobs update":
        if "image" in opts:
            s["job"]["image"] = opts["image"]
            s["log"].append(f"job image {opts['image']}")
        if "update-labels" in opts:
            s["job"]["labels"].update(labels(opts["update-labels"]))
    elif cmd == "run jobs execute":
        s["log"].append(f"migrate {s['job']['image']}")
        code = 1 if s["job"].get("fails") else 0
    elif cmd == "run services describe":
        svc = s["services"][pos[3]]
        # value(metadata.labels.a,metadata.labels.b,...): the labels, tab-separated.
        keys = re.fullmatch(r"value\((.*)\)", opts["format"]).group(1).split(",")
        out = "\t".join(svc["labels"].get(k.removeprefix("metadata.labels."), "") for k in keys)
    elif cmd == "artifacts docker tags":
        assert pos[3] == "add", pos
        s.setdefault("tags", {})[pos[5]] = pos[4]
        s["log"].append(f"tag {pos[5].rsplit('/', 1)[1]} {pos[4].rsplit(':', 1)[1]}")
    elif pos[:2] == ["run", "deploy"]:
        svc = s["services"][pos[2]]
        svc["image"] = opts["image"]
        svc["labels"].update(labels(opts["update-labels"]))
        s["log"].append(f"deploy {pos[2]} {opts['image']}")
    else:
        print(f"fake gcloud: unexpected call: {argv}", file=sys.stderr)
        code = 2

    with open(STATE, "w") as f:
        json.dump(s, f)
    if out:
        print(out)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
