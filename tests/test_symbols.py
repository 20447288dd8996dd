import pytest

from analytics.errors import InvalidInput, InvalidSymbol
from analytics.symbols import (
    closest_symbols,
    known_symbols,
    normalize_symbol,
    parse_symbol_list,
    price_basis,
    search_symbols,
)


@pytest.mark.parametrize(
    ("text", "symbol"),
    [("kre", "KRE"), (" ^rut ", "^RUT"), ("brk-b", "BRK-B"), ("EURUSD=X", "EURUSD=X"), ("ry.to", "RY.TO")],
)
def test_valid_symbols_are_normalized(text, symbol):
    assert normalize_symbol(text) == symbol


@pytest.mark.parametrize(
    "text",
    ["", "   ", "KRE;DROP TABLE", "@everyone", "<@123>", "^", "-KRE", "K R E", "ABCDEFGHIJKLMNOP", "KRÉ", "`KRE`", "^^RUT"],
)
def test_invalid_symbols_are_refused(text):
    with pytest.raises(InvalidSymbol) as info:
        normalize_symbol(text)
    message = str(info.value)
    assert len(message) < 200
    assert "@" not in message.replace("symbol", "")  # nothing that could ping


def test_long_text_is_cut_in_the_message():
    with pytest.raises(InvalidSymbol) as info:
        normalize_symbol("A" * 5000)
    assert len(str(info.value)) < 120


def test_symbol_lists():
    assert parse_symbol_list("nvda, meta  googl,NVDA", 10) == ["NVDA", "META", "GOOGL"]
    with pytest.raises(InvalidInput, match="At most 3"):
        parse_symbol_list("A B C D", 3)
    with pytest.raises(InvalidSymbol):
        parse_symbol_list(" , ", 3)


def test_known_symbols_cover_the_snapshot_and_big_names():
    known = known_symbols()
    for symbol in ("^GSPC", "^RUT", "KRE", "SPY", "XLF", "ZION", "FLG", "NVDA", "AAPL"):
        assert symbol in known
    assert known["^RUT"].name == "Russell 2000"
    assert all(normalize_symbol(s) == s for s in known)


def test_search_prefix_then_name():
    found = search_symbols("k")
    assert [k.symbol for k in found[:3]] == ["KRE", "KBE", "KEY"]
    assert "Russell 2000" in [k.name for k in search_symbols("russell")]
    assert len(search_symbols("")) == 25


def test_price_basis():
    assert price_basis("^GSPC") == "price"
    assert price_basis("^TNX") == "yield"
    assert price_basis("KRE") == "total return"


@pytest.mark.parametrize(
    ("text", "symbol"),
    [("SPX", "^GSPC"), ("spx", "^GSPC"), ("RUT", "^RUT"), ("NDX", "^NDX"), ("COMP", "^IXIC"), ("IXIC", "^IXIC"),
     ("VIX", "^VIX"), ("TNX", "^TNX"), ("IRX", "^IRX"), ("DJIA", "^DJI"), ("BRK.B", "BRK-B"), ("bf.a", "BF-A"),
     ("$KRE", "KRE"), ("$spx", "^GSPC"), ("RY.TO", "RY.TO")],
)
def test_aliases_become_the_yahoo_symbol(text, symbol):
    assert normalize_symbol(text) == symbol
    assert parse_symbol_list(f"{text} XLF", 5) == [symbol, "XLF"]


def test_closest_symbols_suggest_known_ones():
    assert closest_symbols("GSPX") == ["^GSPC", "GS"]
    assert closest_symbols("KREE") == ["KRE"]
    assert closest_symbols("KRE") != ["KRE"]  # never the symbol itself
    assert closest_symbols("ZZZZ") == []
    assert closest_symbols("SPYY", among=["SPY", "KRE"]) == ["SPY"]
