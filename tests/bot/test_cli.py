"""The `marketbot` command line: ask (text, JSON, chart), snapshot export, errors without tracebacks."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from bot.cli import main


@pytest.fixture(autouse=True)
def snapshot_source(monkeypatch):
    monkeypatch.setenv("MARKETBOT_DATA_SOURCE", "snapshot")


def test_ask_compare_text(capsys):
    assert main(["ask", "compare", "a:^RUT", "b:^GSPC", "start:2022-10-12", "end:2025-10-21"]) == 0
    out = capsys.readouterr().out
    assert "Small caps trail: Russell 2000 +47.4% vs S&P 500 +88.3%, -40.9 pp" in out
    assert "snapshot, last session 2026-02-20, " in out and " old" in out  # its age: the real clock


def test_ask_json_and_chart(capsys, tmp_path):
    chart = tmp_path / "compare.png"
    assert main(["ask", "compare", "start:oct-2022-low", "end:2025-10-21", "--json", "--chart", str(chart)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"command", "source", "as_of", "start", "end", "a", "b", "spread_pp", "ratio"} <= set(data)
    assert data["a"]["symbol"] == "^RUT" and round(data["a"]["return_pct"], 1) == 47.4
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_ask_bad_input_is_one_line_on_stderr(capsys):
    assert main(["ask", "compare", "a:NOPE!"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("marketbot: a: `NOPE!` is not a valid symbol")
    assert "Traceback" not in captured.err


def test_as_of_replays_the_past(monkeypatch, capsys):
    monkeypatch.setenv("MARKETBOT_AS_OF", "2023-03-13")
    assert main(["ask", "quote", "symbols:KRE", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["last_session"] == "2023-03-13" and data["rows"][0]["session"] == "2023-03-13"


def test_snapshot_export_round_trips(tmp_path, capsys):
    from importlib import resources

    out = tmp_path / "prices.csv"
    assert main(["snapshot", "export", str(out)]) == 0
    assert "wrote 297183 rows" in capsys.readouterr().out  # prices (261,621) and credit ETFs (35,562)
    parts = []
    for name in ("prices_daily", "credit_daily"):
        with resources.files("analytics").joinpath(f"data/{name}.csv.gz").open("rb") as fh:
            parts.append(pd.read_csv(fh, compression="gzip"))
    original = pd.concat(parts).sort_values(["symbol", "date"], kind="stable").reset_index(drop=True)
    exported = pd.read_csv(out)
    assert list(exported.columns) == ["date", "symbol", "close", "volume"]
    pd.testing.assert_frame_equal(exported, original, check_exact=False, rtol=1e-8)


def test_run_without_network_fails_cleanly(monkeypatch, capsys):
    monkeypatch.setenv("DISCORD_TOKEN", "not-a-real-token")
    # Nothing listens on this port: the connection is refused at once, as in an outage.
    import discord.http

    monkeypatch.setattr(discord.http.Route, "BASE", "http://127.0.0.1:9/api/v10")
    assert main(["run"]) == 1
    err = capsys.readouterr().err
    assert "Cannot reach Discord" in err and "not-a-real-token" not in err and "Traceback" not in err


def test_sync_without_a_token_says_what_is_missing(capsys):
    assert main(["sync"]) == 2
    assert "DISCORD_TOKEN is not set" in capsys.readouterr().err
