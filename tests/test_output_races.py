"""Writers that race or die: exactly one of N writers of a new path wins, and a writer killed in the
middle of a write leaves the target absent or complete, and nothing behind after the next run."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from regimencalc.render.output import OutputExistsError, write_output

WRITERS = 8


def _race(target: str, number: int, barrier: multiprocessing.synchronize.Barrier, results) -> None:  # type: ignore[name-defined]
    barrier.wait()
    try:
        write_output(f"writer {number}\n" * 10_000, Path(target))
    except OutputExistsError:
        results.put((number, "refused"))
    else:
        results.put((number, "wrote"))


def test_of_n_writers_of_one_new_path_exactly_one_wins(tmp_path):
    context = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn")
    barrier = context.Barrier(WRITERS)
    results = context.Queue()
    target = tmp_path / "sheet.html"
    processes = [context.Process(target=_race, args=(str(target), n, barrier, results)) for n in range(WRITERS)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(30)
    outcomes = dict(results.get(timeout=5) for _ in range(WRITERS))
    winners = [n for n, outcome in outcomes.items() if outcome == "wrote"]
    assert len(winners) == 1 and sorted(outcomes.values()).count("refused") == WRITERS - 1
    assert target.read_text() == f"writer {winners[0]}\n" * 10_000  # the winner's data, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sheet.html"]


def test_of_n_cli_processes_exactly_one_reports_wrote(tmp_path):
    command = [sys.executable, "-m", "regimencalc", "schema", "-o", "schema.json"]
    runs = [subprocess.Popen(command, cwd=tmp_path, stderr=subprocess.PIPE, text=True) for _ in range(6)]
    messages = sorted(run.communicate(timeout=60)[1].strip() for run in runs)
    assert [run.returncode for run in runs].count(0) == 1
    assert messages.count("wrote schema.json") == 1
    assert all("schema.json already exists" in m for m in messages if m != "wrote schema.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["schema.json"]


# A writer that stops for good once its temporary file is complete and synced, just before the
# file is put in place: the parent kills it there with SIGKILL, the worst moment for a writer.
_KILLED_WRITER = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from regimencalc.render import output

    real_fsync = os.fsync
    def fsync_then_hang(fd):
        real_fsync(fd)
        print("synced", flush=True)
        time.sleep(60)
    output.os.fsync = fsync_then_hang
    output.write_output("new sheet\\n" * 100_000, Path(sys.argv[1]), force=sys.argv[2] == "force")
    """
)


@pytest.mark.parametrize("existing", [None, "old sheet\n"], ids=["new file", "over an existing file"])
def test_a_writer_killed_mid_write_leaves_the_target_absent_or_whole_and_no_stray_file(tmp_path, existing):
    target = tmp_path / "sheet.html"
    if existing is not None:
        target.write_text(existing)
        target.chmod(0o600)
    writer = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WRITER, str(target), "force" if existing else "new"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None and writer.stdout.readline() == "synced\n"
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(10)
    stray = [p for p in tmp_path.iterdir() if p.name.endswith(".regimencalc-tmp")]
    assert len(stray) == 1 and stray[0].stat().st_size == len("new sheet\n") * 100_000  # it died right there
    if existing is None:
        assert not target.exists()
    else:
        assert target.read_text() == existing  # untouched: the old file, whole

    write_output("next run\n", tmp_path / "other.html")

    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["other.html", *(["sheet.html"] if existing else [])])
    if existing is not None:
        assert target.read_text() == existing and (target.stat().st_mode & 0o777) == 0o600
