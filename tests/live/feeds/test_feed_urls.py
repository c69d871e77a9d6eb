"""Feed URLs: every kind, options, the =RECEIVER suffix, and a clear error for each bad one."""

from __future__ import annotations

import pytest

from airpicture.model.errors import UsageError
from airpicture.sources.live import FeedKind, parse_feed_url


def test_socket_urls_with_default_ports_and_receiver() -> None:
    spec = parse_feed_url("beast://127.0.0.1=Minsk north")
    assert (spec.kind, spec.host, spec.port, spec.receiver) == (FeedKind.BEAST, "127.0.0.1", 30005, "Minsk north")
    assert spec.url == "beast://127.0.0.1"
    assert parse_feed_url("raw://localhost").port == 30002
    assert parse_feed_url("sbs://localhost:40003?idle_s=5").option("idle_s", 60) == 5.0
    assert "127.0.0.1" not in spec.label and "Minsk" not in spec.label


def test_http_and_replay_urls() -> None:
    spec = parse_feed_url("http://192.168.1.20:8080/tar1090/data/aircraft.json?interval_s=2=roof")
    assert (spec.kind, spec.port, spec.path, spec.receiver) == (
        FeedKind.AIRCRAFT_JSON,
        8080,
        "/tar1090/data/aircraft.json",
        "roof",
    )
    assert spec.option("interval_s", 1) == 2.0
    replay = parse_feed_url("replay:/ws/inbox/day=1/night.beast?speed=0")
    assert (replay.kind, replay.path, replay.receiver, replay.option("speed", 1)) == (
        FeedKind.REPLAY,
        "/ws/inbox/day=1/night.beast",
        None,
        0.0,
    )
    assert parse_feed_url("replay:night.bin=gomel").receiver == "gomel"
    assert parse_feed_url("replay:night.bin?speed=10=gomel").receiver == "gomel"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("", "empty"),
        ("tcp://host:1", "unknown scheme tcp:"),
        ("beast://:30005", "no host"),
        ("beast://host:99999", "port"),
        ("beast://host:1/path", "a path"),
        ("beast://host:1?speed=2", "option 'speed'"),
        ("beast://host:1?clock=10mhz", "clock="),
        ("beast://host:1?idle_s=-1", "idle_s"),
        ("http://host/index.html", "not a .json document"),
        ("replay:", "replay without a path"),
        ("replay:x.bin?speed=fast", "speed"),
    ],
)
def test_bad_urls_say_what_is_wrong(url: str, says: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_feed_url(url)
    assert says in str(caught.value)


def test_error_hides_the_receiver_name() -> None:
    with pytest.raises(UsageError) as caught:
        parse_feed_url("beast://host:1/x=Secret Farm")
    assert "Secret" not in str(caught.value)
