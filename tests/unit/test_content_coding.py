"""Accept-Encoding negotiation and the assets' compressed copies (made once per process)."""

from __future__ import annotations

import gzip

import pytest

import functions.docs as docs
from shared.web import encoding
from shared.web.encoding import accepted_codings, compress, negotiate


@pytest.mark.parametrize(
    ("header", "coding"),
    [
        (None, None),
        ("", None),
        ("identity", None),
        ("gzip", "gzip"),
        ("br", "br"),
        ("gzip, deflate, br, zstd", "br"),
        ("GZIP;Q=1, br;q=0.9", "gzip"),
        ("br;q=0, *", "gzip"),
        ("*;q=0, gzip;q=0.1", "gzip"),
        ("*;q=0", None),
        ("br;q=nope, gzip;q=0.2", "gzip"),
        ("deflate", None),
    ],
)
def test_negotiate_picks_the_highest_weight_and_the_servers_order_on_ties(
    header: str | None, coding: str | None
) -> None:
    assert negotiate(header) == coding


def test_accepted_codings_reads_weights_clamped_to_zero_and_one() -> None:
    assert accepted_codings("gzip;q=2, br ; q=0.5, x;q=-1") == {"gzip": 1.0, "br": 0.5, "x": 0.0}


def test_gzip_output_is_the_same_on_every_instance() -> None:
    assert compress(b"x" * 100, "gzip") == compress(b"x" * 100, "gzip")
    assert gzip.decompress(compress(b"abc", "gzip")) == b"abc"
    with pytest.raises(ValueError, match="unknown content coding 'zstd'"):
        compress(b"", "zstd")


def test_an_asset_is_compressed_once_per_coding_not_per_request(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = encoding.compress

    def counting(data: bytes, coding: str) -> bytes:
        calls.append(coding)
        return real(data, coding)

    monkeypatch.setattr(docs, "compress", counting)
    docs._encoded.cache_clear()
    try:
        first = docs._encoded("app/app.css", "br")
        assert docs._encoded("app/app.css", "br") is first
        docs._encoded("app/app.css", "gzip")
        docs._encoded("app/app.css", "gzip")
    finally:
        docs._encoded.cache_clear()
    assert calls == ["br", "gzip"]
