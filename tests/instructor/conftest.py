"""One real class run through the engine per session; each test gets its own copy."""

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from learnflow_ext.instructor.local import LocalStoreSource
from tests.instructor.stack import run_class


@pytest.fixture(scope="session")
def class_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("class") / "class.sqlite3"
    asyncio.run(run_class(f"sqlite:///{path}"))
    return path


@pytest.fixture
def class_url(class_db: Path, tmp_path: Path) -> str:
    copy = tmp_path / "class.sqlite3"
    shutil.copyfile(class_db, copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def local_source(class_url: str) -> Iterator[LocalStoreSource]:
    source = LocalStoreSource(class_url)
    try:
        yield source
    finally:
        source.close()
