"""An Answer rendered as a Discord embed and file: content, order, notices and Discord's limits."""

from __future__ import annotations

from bot.console import ask
from commands.kit.answer import Answer
from commands.kit.render import CAUTION, COLOUR, data_notice, to_embed, to_file

PNG = b"\x89PNG\r\n\x1a\n"
SNAPSHOT_NOTICE = "⚠️ Offline snapshot data, last session 2026-02-20, 9 months old: not today's market."


def live_data(**overrides) -> dict:
    data = {
        "command": "quote",
        "source": "yahoo",
        "live": True,
        "stale": False,
        "note": "",
        "last_session": "2026-02-20",
        "as_of": "2026-02-20",
    }
    data.update(overrides)
    return data


def make_answer(**overrides) -> Answer:
    values = {
        "command": "quote",
        "title": "A title",
        "summary": "The verdict.",
        "fields": (("First", "one"), ("Second", "two"), ("Third", "three")),
        "footer": "Data: Yahoo · As of close 2026-02-20",
        "data": live_data(),
    }
    values.update(overrides)
    return Answer(**values)


def read_file(file) -> bytes:
    file.fp.seek(0)
    return file.fp.read()


# -- real answers from the commands on the snapshot --


async def test_compare_answer_as_an_embed(services):
    answer = await ask(services, "compare", ["start:oct-2022-low", "end:2025-10-21"])
    embed = to_embed(answer)
    file = to_file(answer)
    as_dict = embed.to_dict()

    assert as_dict["title"] == "Russell 2000 vs S&P 500"
    assert as_dict["description"] == f"{answer.summary}\n\n{SNAPSHOT_NOTICE}"
    assert as_dict["description"].startswith("Small caps trail: Russell 2000 +47.4% vs S&P 500 +88.3%, -40.9 pp")
    assert as_dict["color"] == CAUTION.value
    assert as_dict["fields"] == [{"name": n, "value": v, "inline": False} for n, v in answer.fields]
    assert [f["name"] for f in as_dict["fields"]] == [
        "Returns",
        "Ratio ^RUT/^GSPC",
        "Ratio in its history",
        "Ratio vs its extremes",
        "Correlation · beta (63 sessions)",
        "Drawdowns",
        "Streak",
    ]
    assert as_dict["footer"] == {"text": answer.footer}
    assert as_dict["footer"]["text"].startswith("Data: snapshot, last session 2026-02-20, 9 months old")
    assert as_dict["image"] == {"url": "attachment://compare.png"}
    assert file is not None and file.filename == "compare.png"
    body = read_file(file)
    assert body.startswith(PNG)
    assert body == answer.chart


async def test_answer_without_chart_has_no_image_and_no_file(services):
    answer = await ask(services, "about", [])
    assert answer.chart is None
    as_dict = to_embed(answer).to_dict()
    assert "image" not in as_dict
    assert to_file(answer) is None
    assert as_dict["title"] == "About marketbot"
    assert as_dict["description"] == f"{answer.summary}\n\n{SNAPSHOT_NOTICE}"
    assert [f["name"] for f in as_dict["fields"]] == ["Commands", "Alerts", "Watchlist", "Symbols", "Basis", "Version"]


# -- hand-built answers --


def test_hand_built_answer_renders_every_part_in_order():
    answer = make_answer(chart=PNG + b"rest", chart_name="perf.png")
    as_dict = to_embed(answer).to_dict()
    assert as_dict["title"] == "A title"
    assert as_dict["description"] == "The verdict."  # live data: no notice
    assert as_dict["color"] == COLOUR.value
    assert as_dict["fields"] == [
        {"name": "First", "value": "one", "inline": False},
        {"name": "Second", "value": "two", "inline": False},
        {"name": "Third", "value": "three", "inline": False},
    ]
    assert as_dict["footer"] == {"text": "Data: Yahoo · As of close 2026-02-20"}
    assert as_dict["image"] == {"url": "attachment://perf.png"}
    file = to_file(answer)
    assert file.filename == "perf.png"
    assert read_file(file) == PNG + b"rest"


def test_to_file_gives_a_fresh_file_each_time():
    answer = make_answer(chart=PNG + b"x")
    first, second = to_file(answer), to_file(answer)
    assert first is not second and first.fp is not second.fp
    assert first.fp.read() == PNG + b"x"  # reading one does not consume the other
    assert second.fp.read() == PNG + b"x"


def test_empty_footer_is_not_set():
    as_dict = to_embed(make_answer(footer="")).to_dict()
    assert "footer" not in as_dict


# -- notices --


def test_live_yahoo_data_has_no_notice_and_default_colour():
    answer = make_answer(data=live_data(live=True, stale=False))
    assert data_notice(answer) == ""
    embed = to_embed(answer)
    assert embed.description == "The verdict."
    assert embed.colour == COLOUR


def test_stale_data_notice_with_its_note():
    data = live_data(stale=True, age="1 day", note="Yahoo is rate limiting us", last_session="2026-02-19")
    answer = make_answer(data=data)
    notice = "⚠️ Stale data: last session 2026-02-19, 1 day old (Yahoo is rate limiting us)."
    assert data_notice(answer) == notice
    embed = to_embed(answer)
    assert embed.description == f"The verdict.\n\n{notice}"
    assert embed.colour == CAUTION


def test_stale_data_notice_without_a_note():
    answer = make_answer(data=live_data(stale=True, age="3 days", note=""))
    assert data_notice(answer) == "⚠️ Stale data: last session 2026-02-20, 3 days old."


def test_replay_is_said_and_not_called_stale():
    answer = make_answer(data=live_data(source="snapshot", live=False, replay=True, last_session="2023-03-13"))
    assert data_notice(answer) == "Replay of the snapshot as of 2023-03-13: not today's market."


def test_offline_data_notice_names_the_source_and_its_note():
    answer = make_answer(data=live_data(source="snapshot", live=False, note="as of 2024-05-01"))
    assert data_notice(answer) == (
        "Offline snapshot data (as of 2024-05-01), last session 2026-02-20: not today's market."
    )


def test_answer_without_provenance_has_no_notice():
    answer = make_answer(data={})
    assert data_notice(answer) == ""
    assert to_embed(answer).colour == COLOUR


# -- Discord's limits --


def test_long_title_is_cut_to_256_with_an_ellipsis():
    embed = to_embed(make_answer(title="T" * 300))
    assert len(embed.title) == 256
    assert embed.title == "T" * 255 + "…"


def test_title_of_exactly_256_is_kept_whole():
    assert to_embed(make_answer(title="T" * 256)).title == "T" * 256


def test_long_field_name_and_value_are_cut():
    embed = to_embed(make_answer(fields=(("N" * 300, "v" * 2000),)))
    field = embed.to_dict()["fields"][0]
    assert field["name"] == "N" * 255 + "…"
    assert field["value"] == "v" * 1023 + "…"
    assert len(field["value"]) == 1024


def test_long_description_and_footer_are_cut():
    embed = to_embed(make_answer(summary="s" * 5000, footer="f" * 3000, fields=()))
    assert embed.footer.text == "f" * 2047 + "…"
    # The footer keeps its 2048; the description gets the rest of the 6000 total.
    assert embed.description == "s" * (6000 - len(embed.title) - 2048 - 1) + "…"
    assert len(embed) == 6000


def test_long_description_alone_is_cut_to_4096():
    embed = to_embed(make_answer(summary="s" * 5000, footer="", fields=()))
    assert embed.description == "s" * 4095 + "…"


def test_at_most_25_fields_in_order():
    fields = tuple((f"f{i}", f"v{i}") for i in range(30))
    as_dict = to_embed(make_answer(fields=fields)).to_dict()
    assert [(f["name"], f["value"]) for f in as_dict["fields"]] == list(fields[:25])


def test_huge_fields_stop_before_the_6000_total():
    fields = tuple((f"field {i}", "x" * 2000) for i in range(30))
    answer = make_answer(title="Title", summary="Summary", footer="Footer", fields=fields)
    embed = to_embed(answer)
    assert len(embed) <= 6000
    # 6000 - 5 - 7 - 6 leaves room for five fields of 7 + 1024 characters, not six.
    assert [f["name"] for f in embed.to_dict()["fields"]] == [f"field {i}" for i in range(5)]
    assert all(len(f["value"]) == 1024 for f in embed.to_dict()["fields"])


def test_long_summary_and_footer_still_fit_6000():
    embed = to_embed(make_answer(title="T" * 300, summary="s" * 5000, footer="f" * 3000))
    assert len(embed) <= 6000
