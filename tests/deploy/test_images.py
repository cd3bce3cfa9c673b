"""The container images, checked without building them (no Docker daemon here; CI's images
workflow and `make images` build them): pinned base images, Python packages installed from
constraints.txt, non-root users, build contexts that leave out what must not be sent, bubblewrap
in the sandbox image, and a Makefile target and a CI workflow that build exactly the images the
chart and the z2jh values name."""

import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.deploy.support import CHART, REPO, Z2JH_VALUES, load_yaml

DOCKER = REPO / "docker"
DOCKERFILES = sorted(DOCKER.glob("*.Dockerfile"))
# What a cluster install pulls (the chart: agents + sandbox; z2jh: singleuser); hub is compose's.
CLUSTER_IMAGES = ["agents", "sandbox", "singleuser"]
WORKFLOW = REPO / ".github" / "workflows" / "images.yml"


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments): continuation lines joined, comments dropped."""
    out, current = [], ""
    for line in dockerfile.read_text().splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current += line.rstrip()
        if current.endswith("\\"):
            current = current[:-1] + " "
            continue
        op, _, args = current.strip().partition(" ")
        out.append((op.upper(), args.strip()))
        current = ""
    return out


def stages(dockerfile: Path) -> list[list[tuple[str, str]]]:
    """The build stages, each from its FROM; ARGs before the first FROM substituted."""
    args: dict[str, str] = {}
    result: list[list[tuple[str, str]]] = []
    for op, rest in instructions(dockerfile):
        if op == "ARG" and not result:
            name, _, default = rest.partition("=")
            args[name] = default
            continue
        if op == "FROM":
            rest = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], rest)
            result.append([])
        result[-1].append((op, rest))
    return result


# name[:tag][@sha256:digest]: a digest, or a tag naming an exact version (x.y.z), never a moving one.
PINNED = re.compile(r"^[a-z0-9./-]+(:[\w.-]*\d+\.\d+\.\d+[\w.-]*)?(@sha256:[0-9a-f]{64})?$")


@pytest.mark.parametrize(
    ("image", "pinned"),
    [
        ("python:3.11.14-slim-bookworm", True),
        ("quay.io/jupyter/base-notebook:python-3.11.9", True),
        ("python@sha256:" + "a" * 64, True),
        ("python:3.11-slim", False),
        ("quay.io/jupyter/base-notebook:python-3.11", False),
        ("python:latest", False),
        ("python", False),
    ],
)
def test_what_counts_as_pinned(image: str, pinned: bool) -> None:
    assert bool(PINNED.match(image) and (":" in image or "@" in image)) is pinned


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_base_images_are_pinned(dockerfile: Path) -> None:
    names: set[str] = set()
    for stage in stages(dockerfile):
        words = stage[0][1].split()
        image = next(w for w in words if not w.startswith("--"))
        if image not in names:  # FROM <earlier stage> is fine
            assert PINNED.match(image) and (":" in image or "@" in image), f"{dockerfile.name}: FROM {image}"
        if len(words) >= 3 and words[-2].upper() == "AS":
            names.add(words[-1])


def _pip_installs(dockerfile: Path) -> list[tuple[int, str]]:
    return [
        (i, args)
        for i, stage in enumerate(stages(dockerfile))
        for op, args in stage
        if op == "RUN"
        for command in args.split("&&")
        if re.search(r"\bpip\b.*\binstall\b", command)
        for args in [command.strip()]
    ]


CONSTRAINT = re.compile(r"(?:-c|--constraint)[ =](\S+)")


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_every_pip_install_is_constrained_by_constraints_txt(dockerfile: Path) -> None:
    installs = _pip_installs(dockerfile)
    assert installs, dockerfile.name
    all_stages = stages(dockerfile)
    for index, command in installs:
        match = CONSTRAINT.search(command)
        assert match, f"{dockerfile.name}: unconstrained: {command}"
        # The constraints file is copied into that stage before the install.
        copies = [args for op, args in all_stages[index] if op == "COPY"]
        assert any(
            (
                "constraints.txt" in args
                and args.split()[-1].rstrip("/") in (match.group(1), str(Path(match.group(1)).parent))
            )
            or args.split()[-1] == match.group(1)
            for args in copies
        ), (dockerfile.name, match.group(1), copies)
        # Bare requirement names must be pinned by constraints.txt, or they float.
        pinned = {
            line.split("==")[0].strip().lower()
            for line in (REPO / "constraints.txt").read_text().splitlines()
            if "==" in line
        }
        for word in shlex.split(command)[2:]:
            if word.startswith("-") or "/" in word:
                continue
            name = re.split(r"[<>=!~\[;]", word)[0].lower()
            assert name in pinned, f"{dockerfile.name}: {name} is not in constraints.txt"


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_images_run_as_a_non_root_user(dockerfile: Path) -> None:
    final = stages(dockerfile)[-1]
    users = [args for op, args in final if op == "USER"]
    assert users, f"{dockerfile.name}: the final stage sets no USER"
    assert users[-1] not in ("root", "0", "0:0"), dockerfile.name


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_what_the_builds_copy_exists(dockerfile: Path) -> None:
    for stage in stages(dockerfile):
        for op, args in stage:
            if op in ("COPY", "ADD") and "--from=" not in args:
                sources = [w for w in args.split()[:-1] if not w.startswith("--")]
                for source in sources:
                    assert (REPO / source).exists(), f"{dockerfile.name}: {op} {source}"


def _ignored(name: str) -> list[str]:
    path = DOCKER / f"{name}.Dockerfile.dockerignore"
    text = (path if path.exists() else REPO / ".dockerignore").read_text()
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_build_contexts_leave_out_secrets_and_local_state() -> None:
    root = _ignored("agents")
    for pattern in (".git", ".env", "**/.venv", "**/node_modules", "build"):
        assert pattern in root, pattern
    # Student code runs in the sandbox image: the trusted exercise bank is not even sent.
    sandbox = _ignored("sandbox")
    assert sandbox[0] == "*" and "agents/bank" in sandbox and "!agents" in sandbox


def test_the_sandbox_image_has_bubblewrap_and_nothing_trusted() -> None:
    final = stages(DOCKER / "sandbox.Dockerfile")[-1]
    runs = " ".join(args for op, args in final if op == "RUN")
    assert re.search(r"apt-get install\b[^&]*\bbubblewrap\b", runs)
    assert not re.search(
        r"bank|\[|gateway|jupyterhub", " ".join(c for _, c in _pip_installs(DOCKER / "sandbox.Dockerfile"))
    )
    assert ("CMD", '["sandbox", "serve", "--host=0.0.0.0", "--port=8070"]') in final
    sandbox_port = load_yaml(CHART / "values.yaml")["sandbox"]["port"]
    assert ("EXPOSE", str(sandbox_port)) in final


def _make_images(*args: str) -> list[str]:
    out = subprocess.run(
        ["make", "--no-print-directory", "-n", "images", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.splitlines()


def test_make_images_builds_and_pushes_what_the_charts_pull() -> None:
    app_version = load_yaml(CHART / "Chart.yaml")["appVersion"]
    default = _make_images()
    builds = [line for line in default if " docker build " in f" {line}"]
    assert [re.search(r"-f docker/(\w+)\.Dockerfile", b).group(1) for b in builds] == CLUSTER_IMAGES  # type: ignore[union-attr]
    assert all(b.endswith(f":{app_version} .") for b in builds)
    assert not [line for line in default if "docker push" in line]
    pushed = _make_images("REGISTRY=registry.example.org/school", "IMAGE_TAG=1.2.3", "PUSH=1")
    assert [line for line in pushed if line.startswith("docker push")] == [
        f"docker push registry.example.org/school/learnflow-{name}:1.2.3" for name in CLUSTER_IMAGES
    ]
    # The chart's and z2jh's image names are those images (under the operator's registry).
    values = load_yaml(CHART / "values.yaml")
    assert values["image"]["repository"].endswith("/learnflow-agents")
    assert values["sandbox"]["image"]["repository"].endswith("/learnflow-sandbox")
    assert load_yaml(Z2JH_VALUES)["singleuser"]["image"]["name"].endswith("/learnflow-singleuser")


def test_the_ci_workflow_builds_and_pushes_the_same_images_on_tags() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert triggers["push"]["tags"] == ["v*"]
    assert workflow["permissions"]["packages"] == "write"
    (job,) = workflow["jobs"].values()
    assert job["strategy"]["matrix"]["image"] == CLUSTER_IMAGES
    for name in CLUSTER_IMAGES:
        assert (DOCKER / f"{name}.Dockerfile").is_file()
    steps = job["steps"]
    for step in steps:
        if "uses" in step:
            assert re.fullmatch(r"[\w-]+/[\w-]+@v\d+", step["uses"]), step["uses"]
    build = next(s for s in steps if s.get("uses", "").startswith("docker/build-push-action@"))
    assert build["with"]["file"] == "docker/${{ matrix.image }}.Dockerfile"
    assert build["with"]["context"] == "." and build["with"]["push"] is True
    assert build["with"]["tags"].endswith(
        "/learnflow-${{ matrix.image }}:${{ steps.version.outputs.version }}"
    )
    # The version step reads appVersion the way the Makefile does.
    version = next(s for s in steps if s.get("id") == "version")["run"]
    assert "helm/learnflow/Chart.yaml" in version and "GITHUB_REF_NAME#v" in version
