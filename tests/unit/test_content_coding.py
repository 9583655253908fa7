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


def test_accepted_codings_skip_empty_elements_and_read_q_among_other_parameters() -> None:
    assert accepted_codings(None) == {} and accepted_codings("") == {}
    assert accepted_codings("gzip") == {"gzip": 1.0}  # no weight: 1
    assert accepted_codings("gzip, , br") == {"gzip": 1.0, "br": 1.0}  # RFC 9110 5.6.1: empty elements
    assert accepted_codings("gzip;level=1;q=0.5") == {"gzip": 0.5}


def test_an_unreadable_weight_does_not_make_a_coding_acceptable() -> None:
    assert accepted_codings("gzip;q=1=0, br;q=x") == {"gzip": 0.0, "br": 0.0}


def test_gzip_output_carries_no_timestamp_so_every_instance_sends_the_same_bytes() -> None:
    assert compress(b"abc", "gzip")[4:8] == b"\0\0\0\0"  # MTIME (RFC 1952 2.3): 0, not the time of compression


def test_brotli_output_decodes_to_the_asset_and_uses_the_chosen_quality() -> None:
    import brotli  # type: ignore[import-untyped]

    data = b"function asset() { return 42; }\n" * 200
    assert brotli.decompress(compress(data, "br")) == data
    assert compress(data, "br") == brotli.compress(data, quality=encoding.BROTLI_QUALITY) != brotli.compress(data)


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
