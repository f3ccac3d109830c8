#!/usr/bin/env python3
"""A stand-in for the docker commands infra/cloudbuild/gateway-assets.sh runs, for
test_gateway_assets.py. An image is a folder $FAKE_DOCKER/images/<reference with / and :
as _>/ holding its files; `pull` succeeds for images present there, `create` names a
container after its image, `cp` copies out of it, and `build` runs the generated
Dockerfile's FROM and COPY lines. Every call is appended to $FAKE_DOCKER/log."""
import os
import pathlib
import shutil
import sys

ROOT = pathlib.Path(os.environ["FAKE_DOCKER"])


def image_dir(reference):
    return ROOT / "images" / reference.replace("/", "_").replace(":", "_")


def main(argv):
    with (ROOT / "log").open("a") as log:
        log.write(" ".join(argv) + "\n")
    command, args = argv[0], [a for a in argv[1:] if not a.startswith("--")]
    if command == "pull":
        return 0 if image_dir(args[0]).is_dir() else 1
    if command == "create":
        if not image_dir(args[0]).is_dir():
            return 1
        print(args[0])
        return 0
    if command == "cp":
        container, path = args[0].split(":/", 1)
        source = image_dir(container) / path
        if not source.exists():
            print(f"Error: Could not find the file /{path} in container", file=sys.stderr)
            return 1
        if source.is_dir():
            shutil.copytree(source, args[1])
        else:
            shutil.copy2(source, args[1])
        return 0
    if command == "rm":
        return 0
    if command == "build":
        tags = [a.split("=", 1)[1] for a in argv[1:] if a.startswith("--tag=")]
        context = pathlib.Path(args[0])
        built = ROOT / "building"
        for line in (context / "Dockerfile").read_text().splitlines():
            op, *rest = line.split()
            if op == "FROM":
                shutil.copytree(image_dir(rest[0]), built)
            elif op == "COPY":
                source, target = context / rest[0], built / rest[1].lstrip("/")
                if source.is_dir():
                    shutil.copytree(source, target, dirs_exist_ok=True)
                else:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(source, target)
        for tag in tags:
            shutil.rmtree(image_dir(tag), ignore_errors=True)
            shutil.copytree(built, image_dir(tag))
        shutil.rmtree(built)
        return 0
    print(f"fake docker: unexpected call: {argv}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
