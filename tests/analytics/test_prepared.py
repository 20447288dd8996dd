"""Prepared values: made once, read back by later processes, made again when anything they depend on changed."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analytics import prepared
from analytics.sources import snapshot

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def folder(tmp_path):
    prepared.keep_in(tmp_path)
    yield tmp_path
    prepared.keep_in(None)


def counting(value):
    made = []

    def make():
        made.append(1)
        return value

    return make, made


def test_made_once_then_read_back(folder):
    make, made = counting({"a": 1})
    assert prepared.prepared("thing", b"v1", (__file__,), make) == {"a": 1}
    assert prepared.prepared("thing", b"v1", (__file__,), make) == {"a": 1}
    assert made == [1] and len(list(folder.glob("thing-*.pickle"))) == 1


def test_other_inputs_make_it_again_and_replace_the_file(folder):
    make, made = counting(1)
    prepared.prepared("thing", b"v1", (__file__,), make)
    [first] = folder.glob("thing-*.pickle")
    prepared.prepared("thing", b"v2", (__file__,), make)
    assert made == [1, 1] and not first.exists() and len(list(folder.glob("thing-*.pickle"))) == 1


def test_changed_code_makes_it_again(folder, tmp_path_factory):
    code = tmp_path_factory.mktemp("code") / "maker.py"
    code.write_text("x = 1\n")
    make, made = counting(1)
    prepared.prepared("thing", b"v1", (str(code),), make)
    code.write_text("x = 2\n")
    prepared.prepared("thing", b"v1", (str(code),), make)
    assert made == [1, 1]


def test_an_unreadable_file_is_made_again(folder):
    make, made = counting([1, 2])
    prepared.prepared("thing", b"v1", (__file__,), make)
    [path] = folder.glob("thing-*.pickle")
    path.write_bytes(b"not a pickle")
    assert prepared.prepared("thing", b"v1", (__file__,), make) == [1, 2] and made == [1, 1]
    assert pickle.loads(path.read_bytes()) == [1, 2]  # saved again, whole


def test_a_folder_that_cannot_be_written_costs_only_the_saving(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    prepared.keep_in(blocker / "sub")  # a folder under a file: never writable
    try:
        assert prepared.prepared("thing", b"v1", (__file__,), lambda: 7) == 7
    finally:
        prepared.keep_in(None)


def test_off_by_default_makes_every_time():
    make, made = counting(3)
    prepared.prepared("thing", b"v1", (__file__,), make)
    prepared.prepared("thing", b"v1", (__file__,), make)
    assert made == [1, 1]


def test_the_prepared_snapshot_is_the_snapshot_read(folder):
    snapshot.load_snapshot.cache_clear()
    try:
        made = snapshot.load_snapshot()  # read from the CSVs, then kept
        snapshot.load_snapshot.cache_clear()
        kept = snapshot.load_snapshot()  # read back from the folder
    finally:
        snapshot.load_snapshot.cache_clear()
    assert kept is not made
    pd.testing.assert_frame_equal(kept.closes, made.closes)
    pd.testing.assert_frame_equal(kept.volumes, made.volumes)
    long = pd.concat([snapshot._read(name) for name in (snapshot.SNAPSHOT_FILE, snapshot.CREDIT_FILE)])
    wide = long.pivot(index="date", columns="symbol", values="close")  # pandas' own reshaping, independently
    wide.index = wide.index.as_unit("ns")
    assert kept.closes.loc["2023-03-13", "KRE"] == wide.loc["2023-03-13", "KRE"]
    pd.testing.assert_frame_equal(kept.closes, wide.astype("float64"), check_names=False, check_column_type=False)


def test_a_terminal_answer_without_a_chart_imports_no_matplotlib():
    """The start-up path of `marketbot ask quote`: the CLI, the console and every command module."""
    code = (
        "import sys, bot.cli, bot.console; from bot.discovery import discover; discover(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'yfinance', 'discord', 'requests')))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(("flags", "draws"), [([], False), (["--json"], False), (["--chart", "banks.png"], True)])
def test_a_terminal_answer_draws_its_chart_only_when_asked(tmp_path, flags, draws):
    """`marketbot ask banks` draws (and imports matplotlib) only with --chart; the answer is the same otherwise."""
    code = (
        "import sys; from bot.cli import main; code = main(['ask', 'banks', *sys.argv[1:]]); "
        "print('drew' if 'matplotlib' in sys.modules else 'did not draw', file=sys.stderr); sys.exit(code)"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(ROOT), "MARKETBOT_DATA_SOURCE": "snapshot"}
    done = subprocess.run([sys.executable, "-c", code, *flags], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == ("drew" if draws else "did not draw")
    assert (tmp_path / "banks.png").exists() == draws
    if "--json" in flags:
        assert json.loads(done.stdout)["command"] == "banks"
    else:
        assert "Regional-bank stress is CALM on 2026-02-20" in done.stdout
