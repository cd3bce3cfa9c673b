"""The opt-in CPU account (runtime/cpu_account.py): stages follow tasks across awaits and
into worker threads, and nothing is recorded while it is off."""

import asyncio
import hashlib
from collections.abc import Iterator

import pytest
from learnflow_agents.runtime import cpu_account
from learnflow_agents.runtime.cpu_account import charged, stage


def burn() -> None:
    data = b"x"
    for _ in range(20_000):
        data = hashlib.sha256(data).digest()


@pytest.fixture
def account() -> Iterator[None]:
    cpu_account.enable()
    try:
        yield
    finally:
        cpu_account.disable()
        cpu_account.reset()


def test_off_records_nothing() -> None:
    cpu_account.reset()

    async def work() -> None:
        with stage("decode"):
            burn()
            await asyncio.to_thread(charged("effects", burn))

    asyncio.run(work())
    assert cpu_account.totals() == {}


def test_a_task_keeps_its_stage_across_awaits_and_threads(account: None) -> None:
    async def work() -> None:
        with stage("decode"):
            await asyncio.sleep(0)
            burn()  # a later step of the task: still "decode"
        with stage("effects"):
            await asyncio.to_thread(charged("effects", burn))
        with stage("publish"):
            await asyncio.to_thread(burn)  # not charged: the thread's work is not wrapped

    asyncio.run(work())
    totals = cpu_account.totals()
    assert totals.get("decode", 0) > 0
    assert totals.get("effects", 0) > 0
    # The unwrapped thread's hashing would be as big as the wrapped one; only the
    # loop-side bookkeeping of the await may be charged to publish.
    assert totals.get("publish", 0) < totals["effects"] / 2


def test_per_query_lists_every_stage(account: None) -> None:
    row = cpu_account.per_query({"decode": 4_000, "mystery": 2_000}, queries=2)
    assert row["decode"] == 2.0
    assert row["submit"] == 0.0
    assert row["other"] == 1.0
    assert row["total"] == 3.0
