"""The LearnFlow kernel spec carries its logo: the launcher shows it instead of a blank tile."""

import struct
from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager

REPO = Path(__file__).resolve().parents[2]


def test_the_launcher_finds_the_learnflow_kernels_logos() -> None:
    specs = KernelSpecManager(kernel_dirs=[str(REPO / "kernels")]).get_all_specs()
    # jupyter_server lists a spec's resources from the logo-* files of its directory.
    directory = Path(specs["learnflow-python3"]["resource_dir"])
    resources = {p.stem if p.suffix == ".png" else "logo-svg": str(p) for p in directory.glob("logo-*")}
    assert {"logo-32x32", "logo-64x64", "logo-svg"} <= set(resources)
    for name, size in (("logo-32x32", 32), ("logo-64x64", 64)):
        data = Path(resources[name]).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", data[16:24]) == (size, size)
    assert Path(resources["logo-svg"]).read_text().lstrip().startswith("<svg")
