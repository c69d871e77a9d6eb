"""The vectorised Beast path gives exactly what the record-by-record loop gives, however the stream is cut."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from airpicture.sources.adsb.beast import BeastParser
from tests.live.feeds.support import DATA


def _record(kind: int, counter: int, signal: int, message: bytes) -> bytes:
    body = counter.to_bytes(6, "big") + bytes([signal]) + message
    return b"\x1a" + bytes([kind]) + body.replace(b"\x1a", b"\x1a\x1a")


_byte = st.sampled_from([0x00, 0x1A, 0x1A, 0x33, 0x8D, 0xFF])
_mode_s = st.one_of(
    st.builds(_record, st.just(0x33), st.integers(0, 2**48 - 1), _byte, st.binary(min_size=14, max_size=14)),
    st.builds(
        _record, st.just(0x32), st.integers(0, 2**48 - 1), _byte, st.lists(_byte, min_size=7, max_size=7).map(bytes)
    ),
)
_records = st.one_of(
    _mode_s,
    st.just(b"\x1a\x31" + b"\x00" * 9),  # heartbeat
    st.just(b"\x1a\xe3" + bytes(range(1, 9))),  # receiver id
    st.sampled_from([b"\x1a\x1a\x00", b"\x42\x42", b"\x1a\x00"]),  # garbage
)


def _parse(data: bytes, cuts: list[int]) -> tuple[list[int], list[int], list[bytes], list[str | None], list[int]]:
    parser = BeastParser()
    offsets: list[int] = []
    counters: list[int] = []
    messages: list[bytes] = []
    receivers: list[str | None] = []
    bad: list[int] = []
    bounds = [0, *sorted(set(cuts)), len(data)]
    pieces = [(data[a:b], a) for a, b in itertools.pairwise(bounds) if b > a]
    for k, (piece, at) in enumerate([*pieces, (b"", len(data))]):
        parsed = parser.feed(piece, at, last=k == len(pieces))
        columns = parsed.arrays()
        offsets += columns.offsets.tolist()
        counters += columns.counters.tolist()
        messages += columns.messages.to_pylist()
        receivers += columns.receivers.to_pylist()
        bad += parsed.bad_at
    return offsets, counters, messages, receivers, [len(bad) > 0]


@settings(max_examples=60)
@given(
    st.one_of(st.lists(_mode_s, min_size=50, max_size=300), st.lists(_records, min_size=50, max_size=300)),
    st.lists(st.integers(0, 12_000), max_size=6),
)
def test_vectorised_path_equals_the_loop(records: list[bytes], cuts: list[int]) -> None:
    """Same rows (offsets, counters, messages, receiver ids) and rejects or none; a garbage run cut across
    blocks is one reject per block in either path, so reject counts are not compared."""
    data = b"".join(records)
    one_shot = _parse(data, [])  # one block with last=True: the record-by-record loop only
    cut = _parse(data + b"", [c for c in cuts if c < len(data)])
    assert cut == one_shot


def test_the_bundled_recording_takes_the_vectorised_path() -> None:
    data = (DATA / "sample_dump1090.bin").read_bytes()
    fast = BeastParser().feed(data, 0, last=False)
    assert fast.columns is not None
    loop = BeastParser().feed(data, 0, last=True)
    assert np.array_equal(fast.arrays().offsets, loop.arrays().offsets[: fast.n_records])
    assert fast.arrays().messages.to_pylist() == loop.arrays().messages.to_pylist()[: fast.n_records]
