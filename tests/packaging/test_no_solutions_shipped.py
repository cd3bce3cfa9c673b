"""Solutions and hidden tests never ship to students (issue 12).

What students install is `learnflow-jupyter` and its dependency `learnflow-agents`; the
single-user image installs exactly those two wheels. These tests build both wheels as a
release would and fail if any file in them holds a bank solution or hidden test; load the
bank from the unpacked `learnflow-agents` wheel in an interpreter that has no
`learnflow-exercise-bank`; and parse the student-facing Dockerfiles.
"""

import contextlib
import json
import os
import re
import subprocess
import sys
import sysconfig
import tarfile
import textwrap
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from learnflow_agents.course.release import secret_lines
from learnflow_agents.tutors.exercise.bank import (
    BANK_ENV,
    RELEASED_DIR,
    Bank,
    bank_dir,
    load_bank,
    load_directory,
)
from learnflow_agents.tutors.exercise.checker import check_code
from learnflow_exercise_bank import NOTEBOOK_DIR

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
# The root wheel ships this prebuilt labextension (built by `make install`); with it present
# hatch-jupyter-builder skips npm, so the wheel builds in about a second.
LABEXTENSION_MARKER = ROOT / "learnflow_ext" / "labextension" / "static" / "style.js"


# --- the leak detector ------------------------------------------------------------------


def _normalise(text: str) -> str:
    """Code as a sequence of stripped, non-blank lines (indentation and JSON layout ignored)."""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def _json_strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        if value and all(isinstance(item, str) for item in value):
            yield "".join(value)  # a notebook cell's source, stored line by line
        for item in value:
            yield from _json_strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _json_strings(item)


def _searchable(name: str, data: bytes) -> str:
    """A file's text, normalised; for JSON files (notebooks) every string in it as well."""
    text = data.decode("utf-8", errors="replace")
    parts = [_normalise(text)]
    if name.endswith((".ipynb", ".json")):
        with contextlib.suppress(ValueError):
            parts += [_normalise(s) for s in _json_strings(json.loads(text))]
    return "\n\x00\n".join(parts)


def _fingerprints(bank: Bank) -> list[tuple[str, str, str]]:
    """(exercise, what, normalised code) that must appear in no file a student installs.

    Every solution cell and every hidden-test cell whole; every run of four consecutive
    solution lines that holds a line no exercise shows publicly; every hidden assert line
    no exercise shows publicly. Lines shared with public material (starters, statements,
    hints, visible tests of any exercise) are not secrets, so they never count alone.
    """
    public = {
        line.strip()
        for exercise in bank
        for text in (
            exercise.starter,
            exercise.statement,
            *exercise.hints,
            *(t.source for t in exercise.visible_tests),
        )
        for line in text.splitlines()
    }
    found = []
    for exercise in bank:
        assert exercise.solution is not None, f"{exercise.id}: the trusted bank must hold solutions"
        secret = secret_lines(exercise) - public
        found.append((exercise.id, "solution", _normalise(exercise.solution)))
        lines = [line.strip() for line in exercise.solution.splitlines() if line.strip()]
        for start in range(len(lines) - 3):
            window = lines[start : start + 4]
            if any(line in secret for line in window):
                found.append((exercise.id, "solution lines", "\n".join(window)))
        for test in exercise.hidden_tests:
            found.append((exercise.id, f"hidden test {test.name!r}", _normalise(test.source)))
            found += [
                (exercise.id, f"hidden test {test.name!r} line", line.strip())
                for line in test.source.splitlines()
                if line.strip().startswith("assert") and line.strip() in secret
            ]
    return found


def _members(archive_path: Path) -> Iterator[tuple[str, bytes]]:
    """(name, content) of every file in a wheel (zip) or an sdist (tar.gz)."""
    if archive_path.suffix == ".whl":
        with zipfile.ZipFile(archive_path) as archive:
            for name in archive.namelist():
                if not name.endswith("/"):
                    yield name, archive.read(name)
        return
    with tarfile.open(archive_path) as archive:
        for member in archive.getmembers():
            handle = archive.extractfile(member) if member.isfile() else None
            if handle is not None:
                yield member.name, handle.read()


def _leaks(archive_path: Path, fingerprints: list[tuple[str, str, str]]) -> list[str]:
    leaks = []
    for name, data in _members(archive_path):
        text = _searchable(name, data)
        leaks += [f"{name}: {exercise} {what}" for exercise, what, code in fingerprints if code in text]
    return leaks


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trusted_bank() -> Bank:
    bank = load_directory(NOTEBOOK_DIR)
    assert len(bank) >= 40 and bank.get("sum-of-evens").hidden_tests
    return bank


@pytest.fixture(scope="module")
def fingerprints(trusted_bank: Bank) -> list[tuple[str, str, str]]:
    return _fingerprints(trusted_bank)


def _build_wheel(project: Path, out: Path) -> Path:
    env = {**os.environ, "HATCH_JUPYTER_BUILDER_SKIP_NPM": "1", "PIP_NO_INPUT": "1"}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(out),
            str(project),
        ],
        check=True,
        env=env,
        timeout=240,
    )
    (wheel,) = out.glob("*.whl")
    return wheel


@pytest.fixture(scope="module")
def agents_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build_wheel(ROOT / "agents", tmp_path_factory.mktemp("agents-wheel"))


@pytest.fixture(scope="module")
def jupyter_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # `make install` builds the labextension; without it this wheel cannot be checked,
    # and an unchecked wheel must not pass for a clean one.
    assert LABEXTENSION_MARKER.exists(), "the prebuilt labextension is missing: `make install` builds it"
    return _build_wheel(ROOT, tmp_path_factory.mktemp("jupyter-wheel"))


def _build_sdist(project: Path, out: Path) -> Path:
    env = {**os.environ, "HATCH_JUPYTER_BUILDER_SKIP_NPM": "1"}
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "sdist", "-d", str(out)],
        check=True,
        cwd=project,
        env=env,
        capture_output=True,
        timeout=240,
    )
    (sdist,) = out.glob("*.tar.gz")
    return sdist


@pytest.fixture(scope="module")
def bank_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build_wheel(ROOT / "agents" / "bank", tmp_path_factory.mktemp("bank-wheel"))


# --- the wheels ---------------------------------------------------------------------------


def test_the_detector_finds_the_solutions_in_the_trusted_bank_wheel(
    bank_wheel: Path, trusted_bank: Bank, fingerprints: list[tuple[str, str, str]]
) -> None:
    # Proves the detector works: the one wheel that must hold every solution and hidden test.
    leaks = _leaks(bank_wheel, fingerprints)
    assert {leak.split(": ")[1].split()[0] for leak in leaks} == {e.id for e in trusted_bank}
    assert any("hidden test" in leak for leak in leaks)


def test_learnflow_agents_wheel_holds_no_solution_or_hidden_test(
    agents_wheel: Path, fingerprints: list[tuple[str, str, str]]
) -> None:
    with zipfile.ZipFile(agents_wheel) as archive:
        names = archive.namelist()
    assert not [n for n in names if n.startswith("learnflow_exercise_bank/")]
    assert not [n for n in names if n.startswith("learnflow_agents/tutors/exercise/") and n.endswith(".toml")]
    released = [n for n in names if n.startswith("learnflow_agents/tutors/exercise/released/")]
    assert len(released) == len(list(RELEASED_DIR.rglob("*.ipynb"))) >= 40
    assert _leaks(agents_wheel, fingerprints) == []


def test_learnflow_jupyter_wheel_holds_no_solution_or_hidden_test(
    jupyter_wheel: Path, fingerprints: list[tuple[str, str, str]]
) -> None:
    with zipfile.ZipFile(jupyter_wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert not [n for n in names if "learnflow_exercise_bank" in n or "learnflow_agents/" in n]
    assert _leaks(jupyter_wheel, fingerprints) == []
    # The bank is only ever pulled in by the explicit self-study extra.
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    bank_requires = [line for line in requires if "learnflow-exercise-bank" in line]
    assert bank_requires and all("extra == 'self-study'" in line for line in bank_requires), bank_requires


@pytest.mark.parametrize("project", ["agents", "."])
def test_source_distributions_hold_no_solution_or_hidden_test(
    project: str, tmp_path: Path, fingerprints: list[tuple[str, str, str]]
) -> None:
    # A published sdist is as public as the wheel: learnflow-agents' leaves out agents/bank,
    # learnflow-jupyter's leaves out agents/ altogether.
    sdist = _build_sdist(ROOT / project, tmp_path)
    names = [name for name, _ in _members(sdist)]
    assert not [n for n in names if "learnflow_exercise_bank" in n or "/bank/" in n]
    leaks = [leak for leak in _leaks(sdist, fingerprints) if leak.split("/", 1)[1] not in _DEMONSTRATED]
    assert leaks == []


# The one known exception, and only in the repository's sdist (no wheel ships notebooks/):
# the `%learnflow check` walk-through types a correct answer to the first beginner
# exercise to show a passing check. Anything else found there is a leak.
_DEMONSTRATED = {"notebooks/examples/exercise.ipynb: swap-two-values solution lines"}


def test_released_notebooks_hold_no_solution_or_hidden_test_cells() -> None:
    for path in RELEASED_DIR.rglob("*.ipynb"):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        assert notebook["metadata"]["learnflow"]["released"] is True, path
        roles = {((c.get("metadata") or {}).get("learnflow") or {}).get("role") for c in notebook["cells"]}
        assert not roles & {"solution", "hidden-tests"}, path


# --- without the bank package -------------------------------------------------------------


_STUDENT_PROBE = textwrap.dedent(
    """
    import importlib.metadata, importlib.util, json, sys
    from learnflow_agents.tutors.exercise import bank

    found = [
        ep.value for ep in importlib.metadata.entry_points(group=bank.BANK_ENTRY_POINT_GROUP)
    ]
    loaded = bank.load_bank()
    roles = set()
    for exercise in loaded:
        for cell in json.loads(exercise.path.read_text(encoding="utf-8"))["cells"]:
            roles.add(((cell.get("metadata") or {}).get("learnflow") or {}).get("role"))
    print(json.dumps({
        "bank_module": importlib.util.find_spec("learnflow_exercise_bank") is not None,
        "entry_points": found,
        "agents_from": bank.__file__,
        "bank_dir": str(bank.bank_dir()),
        "released_dir": str(bank.RELEASED_DIR),
        "count": len(loaded),
        "released": [e.released for e in loaded],
        "solutions": [e.id for e in loaded if e.solution is not None],
        "hidden": [e.id for e in loaded if e.hidden_tests],
        "roles": sorted(r for r in roles if r),
    }))
    """
)


def test_without_the_bank_package_load_bank_gives_released_exercises_only(
    agents_wheel: Path, tmp_path: Path
) -> None:
    """An interpreter with the unpacked learnflow-agents wheel and its dependencies, nothing else.

    `-S` skips site-packages' .pth files (the editable installs of learnflow-agents and of the
    bank); the probe then sees site-packages only through a copy of it that leaves out both
    LearnFlow distributions' metadata, exactly as a student's `pip install learnflow-jupyter`.
    """
    unpacked = tmp_path / "wheel"
    with zipfile.ZipFile(agents_wheel) as archive:
        archive.extractall(unpacked)
    site = Path(sysconfig.get_paths()["purelib"])
    deps = tmp_path / "deps"
    deps.mkdir()
    for entry in site.iterdir():
        name = entry.name.lower()
        if name.startswith(("learnflow", "_editable_impl_", "__editable__")) or name.endswith(".pth"):
            continue
        (deps / entry.name).symlink_to(entry)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON") and k != BANK_ENV}
    bootstrap = f"import sys; sys.path[:0] = [{str(unpacked)!r}, {str(deps)!r}]; exec({_STUDENT_PROBE!r})"
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", bootstrap],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    facts = json.loads(done.stdout.strip().splitlines()[-1])
    assert facts["agents_from"].startswith(str(unpacked)), facts["agents_from"]
    assert facts["bank_module"] is False and facts["entry_points"] == []
    assert facts["bank_dir"] == facts["released_dir"]
    assert facts["count"] >= 40 and all(facts["released"])
    assert facts["solutions"] == [] and facts["hidden"] == []
    assert "solution" not in facts["roles"] and "hidden-tests" not in facts["roles"]
    assert {"statement", "starter", "visible-tests"} <= set(facts["roles"])


def test_the_setting_overrides_and_released_exercises_still_check(monkeypatch: pytest.MonkeyPatch) -> None:
    assert bank_dir() == NOTEBOOK_DIR  # the development venv has the trusted bank installed
    trusted = load_directory(NOTEBOOK_DIR).get("sum-of-evens")
    monkeypatch.setenv(BANK_ENV, str(RELEASED_DIR))
    load_bank.cache_clear()
    try:
        exercise = load_bank().get("sum-of-evens")
        assert bank_dir() == RELEASED_DIR
        assert exercise.released and exercise.solution is None and exercise.hidden_tests == ()
        assert [t.name for t in exercise.visible_tests] == [t.name for t in trusted.visible_tests]
        result = check_code(exercise, trusted.solution or "")
        assert result.passed and [t.name for t in result.tests] == [t.name for t in trusted.visible_tests]
        assert not any(t.hidden for t in result.tests)
        assert "visible tests only" in result.summary
        assert "visible tests only" not in check_code(trusted, trusted.solution or "").summary
    finally:
        monkeypatch.delenv(BANK_ENV)
        load_bank.cache_clear()


# --- the images ---------------------------------------------------------------------------


def _instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    logical, current = [], ""
    for line in dockerfile.read_text(encoding="utf-8").splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current += line.rstrip()
        if current.endswith("\\"):
            current = current[:-1] + " "
            continue
        logical.append(current.strip())
        current = ""
    if current:
        logical.append(current.strip())
    split = [[*text.split(None, 1), ""] for text in logical]
    return [(parts[0].upper(), parts[1]) for parts in split]


def _final_stage(dockerfile: Path) -> list[tuple[str, str]]:
    instructions = _instructions(dockerfile)
    last_from = max(i for i, (op, _) in enumerate(instructions) if op == "FROM")
    return instructions[last_from:]


_BANK_NAMES = re.compile(r"agents/bank|learnflow[-_]exercise[-_]bank|self-study|exercise_bank", re.IGNORECASE)


# Images where student code runs: students' servers, the local stack's hub (its users'
# servers are its processes), and the sandbox service that runs checks.
@pytest.mark.parametrize("name", ["singleuser.Dockerfile", "hub.Dockerfile", "sandbox.Dockerfile"])
def test_student_images_install_only_the_two_wheels(name: str) -> None:
    final = _final_stage(DOCKER / name)
    installs = [args for op, args in final if op == "RUN" and re.search(r"\bpip\b.*\binstall\b", args)]
    assert installs, f"{name}: no pip install in the final stage"
    for args in installs:
        assert not _BANK_NAMES.search(args), f"{name}: the final image's pip install names the bank: {args}"
        targets = [t for t in args.split("&&")[0].split()[2:] if not t.startswith("-")]
        local = [t for t in targets if "/" in t]
        assert local and all(re.fullmatch(r"\S*/learnflow_(agents|jupyter)-\*\.whl", t) for t in local), local
    for op, args in final:
        if op in ("COPY", "ADD"):
            assert "--from=" in args or args.split()[0].startswith("docker/"), (
                f"{name}: the final stage copies from the build context: {op} {args}"
            )
        assert not _BANK_NAMES.search(args), f"{name}: the final stage names the bank: {op} {args}"


@pytest.mark.parametrize("name", ["singleuser.Dockerfile", "sandbox.Dockerfile"])
def test_student_image_build_context_leaves_out_the_bank(name: str) -> None:
    ignored = (DOCKER / f"{name}.dockerignore").read_text(encoding="utf-8").splitlines()
    assert "agents/bank" in [line.strip() for line in ignored]


def test_agents_image_installs_the_bank() -> None:
    instructions = _instructions(DOCKER / "agents.Dockerfile")
    installs = [args for op, args in instructions if op == "RUN" and "pip install" in args]
    assert any("/src/agents/bank" in args.split() for args in installs), installs
