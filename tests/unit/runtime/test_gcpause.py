"""k8saudit.runtime.gcpause: the one pauser every caller shares (nesting, threads, freezing)."""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from k8saudit import api
from k8saudit.runtime import gcpause


@pytest.fixture(autouse=True)
def _collector_on() -> Iterator[None]:
    """Each test starts with the collector on, and leaves it on whatever it did."""
    assert gc.isenabled()
    yield
    gc.enable()


def test_paused_restores_the_collector_state() -> None:
    with gcpause.paused():
        assert not gc.isenabled()
        with gcpause.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    with gcpause.paused():
        pass
    assert not gc.isenabled()  # a caller that turned it off keeps it off


def test_a_block_pauses_even_when_something_turned_the_collector_on_meanwhile() -> None:
    with gcpause.paused():
        gc.enable()
        with gcpause.paused():
            assert not gc.isenabled()
    assert gc.isenabled()


def test_overlapping_blocks_in_two_threads_keep_it_off_until_the_last_exits() -> None:
    """The live collector's worker threads: one page done while another is still parsed."""
    entered, release_first, first_done = threading.Event(), threading.Event(), threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with gcpause.paused():
            entered.set()
            release_first.wait(5)
        first_done.set()

    thread = threading.Thread(target=first)
    thread.start()
    assert entered.wait(5)
    with gcpause.paused():
        release_first.set()
        assert first_done.wait(5)
        seen.append(gc.isenabled())  # the first thread's block ended; this one has not
    thread.join(5)
    assert seen == [False]
    assert gc.isenabled()


def test_many_threads_entering_and_leaving_leave_the_collector_as_found() -> None:
    barrier = threading.Barrier(8)
    on_inside: list[bool] = []

    def work() -> None:
        barrier.wait(5)
        for _ in range(200):
            with gcpause.paused():
                on_inside.append(gc.isenabled())

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(on_inside) == 1600 and not any(on_inside)
    assert gc.isenabled()


def test_freeze_freezes_before_the_collector_runs_again() -> None:
    before = gc.get_freeze_count()
    try:
        with gcpause.paused(freeze=True):
            kept = [[i] for i in range(1000)]  # container objects the collector would track
        assert gc.get_freeze_count() >= before + len(kept)
        assert gc.isenabled()
    finally:
        gc.unfreeze()


def test_collect_freezes_what_it_collected(tmp_path: Path) -> None:
    snapshot = tmp_path / "s.json"
    snapshot.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "List",
                "items": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}],
            }
        )
    )
    before = gc.get_freeze_count()
    try:
        inv = api.collect(snapshot=snapshot)
        assert gc.isenabled()
        assert gc.get_freeze_count() > before
        assert inv.namespaces == ["shop"]
    finally:
        gc.unfreeze()
