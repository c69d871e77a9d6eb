"""The simulator against its contracts: determinism, positions that decode back (pyModeS and ours), bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pyModeS
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airpicture.decode.modes import FrameDecoder
from airpicture.decode.modes import encode as reference_encode
from airpicture.geo import haversine_km
from airpicture.model.errors import ConfigError
from airpicture.model.schemas import RAW_FRAMES_SCHEMA
from airpicture.pipeline.simulate import run_simulation, shipped_scenarios
from airpicture.reference import ReferenceData
from airpicture.simulate import frames as fr
from airpicture.simulate.parse import parse_scenario

HERE = Path(__file__).parent
TINY = HERE / "tiny.toml"


@pytest.fixture(scope="module")
def reference() -> ReferenceData:
    return ReferenceData()


@pytest.fixture(scope="module")
def tiny_out(tmp_path_factory: pytest.TempPathFactory, reference: ReferenceData) -> Path:
    out = tmp_path_factory.mktemp("sim") / "out"
    run_simulation(str(TINY), out, reference=reference)
    return out


def read_beast(data: bytes) -> tuple[list[int], list[bytes], bytes | None]:
    """A minimal independent Beast reader (counters, frames, receiver id) for checking the writer."""
    counters, messages, receiver = [], [], None
    i = 0
    while i < len(data):
        assert data[i] == 0x1A, f"lost sync at {i}"
        kind = data[i + 1]
        size = {0x32: 7 + 7, 0x33: 7 + 14, 0xE3: 8}[kind]
        body = bytearray()
        k = i + 2
        while len(body) < size:
            if data[k] == 0x1A:
                assert data[k + 1] == 0x1A
                k += 1
            body.append(data[k])
            k += 1
        if kind == 0xE3:
            receiver = bytes(body)
        else:
            counters.append(int.from_bytes(body[:6], "big"))
            messages.append(bytes(body[7:]))
        i = k
    return counters, messages, receiver


def test_same_seed_same_bytes_other_seed_other_bytes(tiny_out: Path, tmp_path: Path, reference: ReferenceData) -> None:
    again = tmp_path / "again"
    run_simulation(str(TINY), again, reference=reference)
    names = sorted(p.name for p in tiny_out.iterdir())
    assert names == sorted(p.name for p in again.iterdir())
    for name in names:
        assert (tiny_out / name).read_bytes() == (again / name).read_bytes(), name
    other = tmp_path / "other"
    run_simulation(str(TINY), other, seed=8, reference=reference)
    beast = "simulated-minsk-east-20220711.beast"
    assert (other / beast).read_bytes() != (tiny_out / beast).read_bytes()


def test_every_file_is_labelled_simulated(tiny_out: Path) -> None:
    for path in tiny_out.iterdir():
        assert "simulated" in path.name or path.name == "truth.json"
    assert json.loads((tiny_out / "truth.json").read_text())["simulated"] is True


def _frames_table(tiny_out: Path) -> tuple[pa.Table, dict[str, object]]:
    manifest = json.loads((tiny_out / "simulated-manifest.json").read_text())["beast_files"][0]
    counters, messages, receiver = read_beast((tiny_out / manifest["file"]).read_bytes())
    assert receiver is not None and receiver.hex() == manifest["receiver_id"]
    assert counters == sorted(counters)
    epoch = np.datetime64(manifest["counter_epoch_utc"].replace("Z", ""), "us").astype(np.int64)
    ts = epoch + np.asarray(counters, dtype=np.int64) // 12
    table = pa.table(
        {
            "ts": pa.array(ts, pa.timestamp("us", tz="UTC")),
            "frame": pa.array(messages, pa.binary()),
            "source_offset": pa.array(np.arange(len(messages)), pa.int64()),
            "rssi_dbfs": pa.nulls(len(messages), pa.float32()),
            "receiver": pa.nulls(len(messages), pa.string()),
        },
        schema=RAW_FRAMES_SCHEMA,
    )
    return table, manifest


def _scripted(tiny_out: Path, icao: np.ndarray, ts_us: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    tracks = pq.read_table(tiny_out / "simulated-truth-tracks.parquet")
    t = tracks["ts"].cast("int64").to_numpy()
    a = tracks["icao24"].to_numpy(zero_copy_only=False).astype(str)
    lat, lon = tracks["reported_lat_deg"].to_numpy(), tracks["reported_lon_deg"].to_numpy()
    out_lat, out_lon = np.full(ts_us.size, np.nan), np.full(ts_us.size, np.nan)
    for address in np.unique(icao):
        sel, rows = a == address, icao == address
        out_lat[rows] = np.interp(ts_us[rows], t[sel], lat[sel])
        out_lon[rows] = np.interp(ts_us[rows], t[sel], lon[sel])
    return out_lat, out_lon


def test_positions_decode_within_5_m_with_airpicture(tiny_out: Path) -> None:
    table, manifest = _frames_table(tiny_out)
    result = FrameDecoder(receiver_lat_deg=manifest["lat"], receiver_lon_deg=manifest["lon"]).decode(table, "sim")
    assert result.counts.get("crc", 0) == 0
    pos = result.positions.filter(pa.compute.is_valid(result.positions["lat_deg"]))
    assert pos.num_rows > 1000
    icao = pos["icao24"].to_numpy(zero_copy_only=False).astype(str)
    ts = pos["ts"].cast("int64").to_numpy()
    lat, lon = _scripted(tiny_out, icao, ts)
    err_m = haversine_km(lat, lon, pos["lat_deg"].to_numpy(), pos["lon_deg"].to_numpy()) * 1000
    assert err_m.max() < 5.0, err_m.max()
    assert set(icao) == {"14c5a9", "5102a1"}
    # Mode-S-only after 18:40: the Il-76 is still heard (replies) but sends no positions
    late = ts > np.datetime64("2022-07-11T18:40:01", "us").astype(np.int64)
    assert not (late & (icao == "5102a1")).any()
    heard = result.positions.filter(pa.compute.equal(result.positions["icao24"], "5102a1"))
    assert (heard["ts"].cast("int64").to_numpy() > np.datetime64("2022-07-11T18:40:01", "us").astype(np.int64)).any()
    # jamming: NIC 0 positions inside the jammed circle during the window
    nic = pos["nic"].to_numpy(zero_copy_only=False)
    assert (nic == 0).any() and (nic == 8).any()


def test_positions_decode_within_5_m_with_pymodes(tiny_out: Path) -> None:
    table, manifest = _frames_table(tiny_out)
    hexes = [m.hex() for m in table["frame"].to_pylist()]
    ts = table["ts"].cast("int64").to_numpy()
    picked = [
        i
        for i, h in enumerate(hexes)
        if len(h) == 28 and int(h[:2], 16) >> 3 == 17 and 9 <= int(h[8:10], 16) >> 3 <= 18
    ]
    picked = picked[:: max(1, len(picked) // 3000)]
    icao = np.array([hexes[i][2:8].lower() for i in picked])
    lat, lon = _scripted(tiny_out, icao, ts[picked])
    errors = []
    for k, i in enumerate(picked):
        d = pyModeS.decode(hexes[i], reference=(manifest["lat"], manifest["lon"]))
        errors.append(float(haversine_km(lat[k], lon[k], d["latitude"], d["longitude"])) * 1000)
    assert len(errors) > 500 and max(errors) < 5.0, max(errors)


@settings(max_examples=60, deadline=None)
@given(
    lat=st.floats(-80, 80), lon=st.floats(-179.9, 179.9), alt=st.floats(-1000, 50000), odd=st.booleans(),
    tc=st.integers(9, 18), address=st.integers(1, 0xFFFFFE),
)  # fmt: skip
def test_vectorised_encoder_equals_the_reference_encoder(
    lat: float, lon: float, alt: float, odd: bool, tc: int, address: int
) -> None:
    row = fr.airborne_position(np.array([address]), np.array([lat]), np.array([lon]), np.array([alt]),
                               np.array([odd]), np.array([tc]))  # fmt: skip
    expected = reference_encode.encode_airborne_position(address, lat, lon, round((alt + 1000) / 25) * 25 - 1000,
                                                         odd, tc=tc)  # fmt: skip
    assert bytes(row[0]) == expected
    alt_row = fr.surveillance_altitude(np.array([address]), np.array([alt]), np.array([0]))
    assert bytes(alt_row[0, :7]) == reference_encode.encode_surveillance_altitude(address, alt)


def test_beast_escapes_0x1a() -> None:
    frame = np.zeros((1, 14), dtype=np.uint8)
    frame[0, :7] = [0x1A, 1, 2, 0x1A, 4, 5, 6]
    data = fr.beast_records(np.array([0x1A1A], dtype=np.uint64), np.array([0x1A], np.uint8), frame, np.array([False]))
    counters, messages, _ = read_beast(data.tobytes())
    assert counters == [0x1A1A] and messages == [bytes([0x1A, 1, 2, 0x1A, 4, 5, 6])]


def test_truth_has_the_scripted_events(tiny_out: Path) -> None:
    truth = json.loads((tiny_out / "truth.json").read_text())
    kinds = {e["type"] for e in truth["events"]}
    assert {"orbit", "takeoff", "landing", "gnss_interference"} <= kinds
    orbit = next(e for e in truth["events"] if e["type"] == "orbit")
    start, end = (np.datetime64(orbit[k].replace("Z", "")) for k in ("start", "end"))
    assert abs((end - start) / np.timedelta64(1, "s") - 40 * 60) < 120
    takeoff = next(e for e in truth["events"] if e["type"] == "takeoff")
    assert takeoff["airfield"] == "UMMS"
    # jamming: the scripted window, and the part of it in which an aircraft flew through the area
    jam = next(e for e in truth["events"] if e["type"] == "gnss_interference")
    assert jam["aircraft_affected"] >= 1
    start, first, last, end = (np.datetime64(jam[k].replace("Z", "")) for k in ("start", "affected_start",
                                                                                  "affected_end", "end"))  # fmt: skip
    assert start <= first < last <= end


def _tiny_with(old: str, new: str) -> str:
    text = TINY.read_text()
    assert old in text
    return text.replace(old, new)


@pytest.mark.parametrize(
    ("old", "new", "message", "where"),
    [
        ('name = "tiny"', 'name = "tiny"\ncolour = "red"', "unknown key", ":4 scenario.colour"),
        ('depart = "Minsk"', 'depart = "Atlantis International"', "unknown airfield", "aircraft[1].flight[0].route[0].depart"),  # noqa: E501
        ("alt_ft = 29000, gs_kt = 400, at", "alt_ft = 29000, gs_kt = 1620, at", "impossible ground speed", ":26 aircraft[0].flight[0].route[0].gs_kt"),  # noqa: E501
        ('at = "2022-07-11T18:20:00Z"', 'at = "2022-07-11T18:20:00Z" }, { position = [54.0, 27.5], alt_ft = 9000, at = "2022-07-11T18:21:00Z"', "impossible kinematics", "aircraft[1].flight[0].route[1]"),  # noqa: E501
        ('{ position = [53.40, 29.50], alt_ft = 29000, gs_kt = 400 }', '{ position = [53.40, 29.50], alt_ft = 29000, at = "2022-07-11T18:00:00Z" }', "not after the previous route time", ":28 aircraft[0].flight[0].route[2].at"),  # noqa: E501
        ("width_km = 22", "width_km = 2", "orbit is too tight", ":27 aircraft[0].flight[0].route[1]"),
    ],
)  # fmt: skip
def test_bad_scenarios_name_key_and_line_and_write_nothing(
    old: str, new: str, message: str, where: str, tmp_path: Path, reference: ReferenceData
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(_tiny_with(old, new))
    out = tmp_path / "out"
    with pytest.raises(ConfigError) as info:
        run_simulation(str(path), out, reference=reference)
    text = str(info.value)
    assert message in text and where in text, text
    assert "\n" not in text
    assert not out.exists()
    assert not list(tmp_path.glob(".simulate-*"))


def test_the_shipped_scenario_parses(reference: ReferenceData) -> None:
    path = shipped_scenarios()["belarus-july-night"]
    scenario = parse_scenario(path.read_text(), str(path), reference)
    assert len(scenario.nights) >= 16 and len([n for n in scenario.nights if n.month in (6, 7)]) >= 15
    a50 = [f for f in scenario.flights if f.identity.icao24 == "14c5a9"]
    assert a50 and a50[0].identity.of_interest and str(a50[0].night) == "2022-07-11"
    assert any(f.identity.type.startswith("Beriev") and f.night.month == 4 for f in scenario.flights)
    assert all(
        0x510000 <= f.identity.address <= 0x5103FF for f in scenario.flights if f.identity.icao24.startswith("51")
    )


def test_cli_simulate_then_evaluate(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "sim"
    done = cli("simulate", str(TINY), "--out", str(out), "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["flights"] == 2 and summary["frames_by_receiver"]["minsk-east"] > 1000
    ws = tmp_path / "ws"
    assert cli("--workspace", str(ws), "workspace", "init").returncode == 0
    done = cli("--workspace", str(ws), "evaluate", "--truth", str(out / "truth.json"), "--json")
    assert done.returncode == 0, done.stderr
    scores = {t["type"]: t for t in json.loads(done.stdout)["types"]}
    assert scores["orbit"]["truth"] == 1 and scores["orbit"]["detected"] == 0 and scores["orbit"]["recall"] == 0.0
    bad = cli("simulate", "no-such-scenario", "--out", str(tmp_path / "x"))
    assert bad.returncode == 2 and "unknown scenario" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


def test_a_spoofing_offset_is_kilometres_east_and_north_not_a_coordinate(reference: ReferenceData) -> None:
    text = (Path(__file__).parents[1] / "detect" / "scenarios" / "spoofing.toml").read_text()
    far = text.replace("offset_km = [0, -180]", "offset_km = [250, -400]")
    assert far != text
    scenario = parse_scenario(far, "spoofing.toml", reference)
    offsets = [(s.offset_east_km, s.offset_north_km) for f in scenario.flights for s in f.spoof if s.offset_east_km]
    assert offsets == [(250.0, -400.0)]  # beyond ±90/±180, which a [lat, lon] check used to refuse
    with pytest.raises(ConfigError, match="offset_km"):
        parse_scenario(text.replace("offset_km = [0, -180]", 'offset_km = "far"'), "spoofing.toml", reference)


def test_a_receiver_that_hears_nothing_gets_a_start_sidecar_and_no_approximate_times(
    cli, tmp_path: Path, reference: ReferenceData
) -> None:  # type: ignore[no-untyped-def]
    """A 0-frame recording (only its receiver-id record) is anchored by a ``.start`` sidecar like the others, so
    ingesting it (as ``airpicture demo`` does) warns of no approximate times."""
    scenario = tmp_path / "deaf.toml"
    deaf = '[[receiver]]\nname = "deaf"\nposition = [38.72, -9.14]\nantenna_m = 10\nrange_km = 20\n\n[[aircraft]]'
    scenario.write_text(TINY.read_text(encoding="utf-8").replace("[[aircraft]]", deaf, 1), encoding="utf-8")
    out = tmp_path / "sim"
    summary = run_simulation(str(scenario), out, reference=reference)
    assert summary.frames_by_receiver["deaf"] == 0 and summary.frames_by_receiver["minsk-east"] > 0
    recording = out / "simulated-deaf-20220711.beast"
    assert (out / "simulated-deaf-20220711.beast.start").is_file()
    ws = tmp_path / "ws"
    assert cli("--workspace", str(ws), "workspace", "init").returncode == 0
    done = cli("--workspace", str(ws), "ingest", str(recording), "--json")
    assert done.returncode == 0, done.stderr
    assert "approximate" not in done.stderr and "mtime" not in done.stderr
    info = json.loads(cli("--workspace", str(ws), "workspace", "info", "--json").stdout)
    assert info["approximate_times"] == []
