"""``FrameDecoder``: raw Mode S frames (Arrow) → positions (Arrow), columnar and stateful across batches."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from airpicture.decode.modes import _fields as fld
from airpicture.decode.modes._bits import frames_matrix
from airpicture.decode.modes._columns import ADDRESS_PARITY_DFS, FrameFields, extract_fields
from airpicture.decode.modes._fallback import decode_with_pymodes
from airpicture.decode.modes._group import gather, last_event
from airpicture.decode.modes._positions import PositionParams, resolve
from airpicture.decode.modes._state import DecoderState
from airpicture.model.errors import DecodeError
from airpicture.model.schemas import POSITIONS_SCHEMA, PositionFlag

I64 = npt.NDArray[np.int64]
BoolArr = npt.NDArray[np.bool_]

NIC_LOW_BELOW = 6
"""INTEGRITY_LOW when NIC < 6 (containment radius ≥ 0.5 NM... ≥ 1 NM for NIC 5): GNSS jamming/spoofing range."""
NACP_LOW_BELOW = 7
"""INTEGRITY_LOW when NACp < 7 (estimated position uncertainty ≥ 0.1 NM)."""
OPSTATUS_TTL_S = 300.0
"""How long a TC31/TC29 (version, NIC supplements, NACp, SIL) applies to later position messages."""

REJECTED_SCHEMA = pa.schema(
    [
        pa.field("source_offset", pa.int64(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("detail", pa.string(), nullable=False),
        pa.field("frame", pa.binary(), nullable=False),
    ]
)


class RejectReason(StrEnum):
    """Why a frame produced no row (the ``reason`` column and the keys of ``counts``)."""

    MODE_AC = "mode_ac"
    LENGTH = "length"
    UNKNOWN_DF = "unknown_df"
    CRC = "crc"
    UNVERIFIED_ADDRESS = "unverified_address"


_REASONS = list(RejectReason)
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_DECODED_DFS = (0, 4, 5, 11, 16, 17, 18, 19, 20, 21)


@dataclass(frozen=True, slots=True)
class DecodeResult:
    """``positions``: POSITIONS_SCHEMA, one row per accepted frame, in input order. ``rejected``: one row per
    frame that produced none (REJECTED_SCHEMA). ``counts``: "read", "decoded" and every RejectReason."""

    positions: pa.Table
    rejected: pa.Table
    counts: Mapping[str, int]


def hex_strings(values: I64, width: int) -> pa.StringArray:
    """Lowercase zero-padded hex of non-negative ints, as an Arrow string column."""
    digits = np.stack([(values >> (4 * (width - 1 - i))) & 0xF for i in range(width)], axis=1)
    return fld.ascii_strings(_HEX[digits], np.ones(values.size, dtype=bool))


def _constant_strings(value: str, n: int) -> pa.StringArray:
    data = value.encode()
    offsets = np.arange(n + 1, dtype=np.int32) * len(data)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets.tobytes()), pa.py_buffer(data * n))


def _masked(values: npt.NDArray[np.float64], dtype: pa.DataType) -> pa.Array:
    return pa.array(values, type=pa.float64(), from_pandas=True).cast(dtype)


def _small_ints(values: I64, dtype: pa.DataType) -> pa.Array:
    return pa.array(values, mask=values < 0).cast(dtype)


class FrameDecoder:
    """Stateful across batches (CPR even/odd memory, last fix per address for validation and local decoding).

    ``receiver_*``: the receiver position (surface CPR reference; airborne local reference only when
    ``receiver_range_km`` ≤ 333 km). ``max_speed_kmh``/``max_jump_km``: motion limits that flag fixes.
    ``pair_window_s``: even/odd pairing window. ``address_ttl_s``: how long an address heard in clear
    verifies address/parity replies. ``local_ref_window_s``: max age of a fix used for local CPR decoding.
    ``fix_ttl_s``: max age of the accepted fix a new fix is validated against.
    """

    def __init__(
        self,
        *,
        receiver_lat_deg: float | None = None,
        receiver_lon_deg: float | None = None,
        max_speed_kmh: float = 1200.0,
        max_jump_km: float = 500.0,
        pair_window_s: float = 10.0,
        address_ttl_s: float = 60.0,
        local_ref_window_s: float = 30.0,
        fix_ttl_s: float = 1800.0,
        receiver_range_km: float | None = None,
    ) -> None:
        if (receiver_lat_deg is None) != (receiver_lon_deg is None):
            raise DecodeError("receiver position needs both latitude and longitude", where="FrameDecoder")
        self._params: dict[str, float | None] = {
            "receiver_lat_deg": receiver_lat_deg,
            "receiver_lon_deg": receiver_lon_deg,
            "max_speed_kmh": max_speed_kmh,
            "max_jump_km": max_jump_km,
            "pair_window_s": pair_window_s,
            "address_ttl_s": address_ttl_s,
            "local_ref_window_s": local_ref_window_s,
            "fix_ttl_s": fix_ttl_s,
            "receiver_range_km": receiver_range_km,
        }
        self._pos = PositionParams(
            pair_window_s=pair_window_s,
            local_ref_window_s=local_ref_window_s,
            fix_ttl_s=fix_ttl_s,
            max_speed_kmh=max_speed_kmh,
            max_jump_km=max_jump_km,
            receiver_lat_deg=receiver_lat_deg,
            receiver_lon_deg=receiver_lon_deg,
            receiver_range_km=receiver_range_km,
        )
        self._address_ttl_s = address_ttl_s
        self._state = DecoderState()

    def snapshot(self) -> bytes:
        """Restart-safe state (parameters included); ``FrameDecoder.restore(snapshot())`` continues exactly."""
        return self._state.to_bytes(self._params)

    @classmethod
    def restore(cls, state: bytes) -> FrameDecoder:
        try:
            loaded, params = DecoderState.from_bytes(state)
        except (ValueError, KeyError, OSError) as exc:
            raise DecodeError(f"not a decoder snapshot: {exc}", where="FrameDecoder.restore") from exc
        decoder = cls(**params)  # type: ignore[arg-type]
        decoder._state = loaded
        return decoder

    def decode(self, frames: pa.Table, source_file: str) -> DecodeResult:
        """Decode a batch of RAW_FRAMES_SCHEMA rows. Bad frames are counted and returned in ``rejected``."""
        for name in ("ts", "frame", "source_offset"):
            if name not in frames.column_names:
                raise DecodeError(
                    "raw frame batch lacks a column", where=source_file, found=",".join(frames.column_names),
                    expected=f"column {name!r} (RAW_FRAMES_SCHEMA)",
                )  # fmt: skip
        n = frames.num_rows
        ts = frames["ts"].cast(pa.timestamp("us", tz="UTC")).cast(pa.int64()).to_numpy().astype(np.int64)
        offsets = frames["source_offset"].cast(pa.int64()).to_numpy().astype(np.int64)
        matrix, lengths = frames_matrix(frames["frame"])
        f = extract_fields(matrix, lengths)
        reason = self._classify(f, lengths, ts)
        keep = np.flatnonzero(reason < 0)
        positions = self._positions(f, matrix, keep, ts, offsets, source_file)
        rejected = self._rejected(frames, f, lengths, reason, offsets)
        counts = {"read": n, "decoded": int(keep.size)}
        tally = np.bincount(reason[reason >= 0], minlength=len(_REASONS)) if n else np.zeros(len(_REASONS), int)
        counts.update({r.value: int(c) for r, c in zip(_REASONS, tally, strict=True)})
        return DecodeResult(positions=positions, rejected=rejected, counts=counts)

    # -- address verification ------------------------------------------------------------------------

    def _classify(self, f: FrameFields, lengths: I64, ts: I64) -> npt.NDArray[np.int64]:
        """Reject reason index per frame (-1 = accepted), updating the clear-address memory."""
        n = f.df.size
        reason = np.full(n, -1, dtype=np.int64)
        df, syn = f.df, f.syndrome

        def mark(cond: BoolArr, r: RejectReason) -> None:
            reason[(reason < 0) & cond] = _REASONS.index(r)

        mark(lengths == 2, RejectReason.MODE_AC)
        mark(~f.length_ok, RejectReason.LENGTH)
        mark(~(np.isin(df, _DECODED_DFS) & ((df != 19) | f.is_es)), RejectReason.UNKNOWN_DF)
        mark(f.is_es & (syn != 0), RejectReason.CRC)
        mark((df == 11) & ((syn & ~0x7F) != 0), RejectReason.CRC)
        ok = reason < 0
        clear = ok & ((f.is_es & (syn == 0)) | ((df == 11) & (syn == 0)))
        needs = ok & (np.isin(df, ADDRESS_PARITY_DFS) | ((df == 11) & (syn != 0)))
        trust = self._state.get("trust")
        ev_key = np.concatenate((trust["key"], f.icao[clear]))
        ev_ts = np.concatenate((trust["ts"], ts[clear]))
        q = np.flatnonzero(needs)
        hit = last_event(ev_key, ev_ts, f.icao[q], ts[q], inclusive=True)
        fresh = (hit >= 0) & (ts[q] - gather(ev_ts, hit, 0) <= int(self._address_ttl_s * 1e6))
        fresh &= f.icao[q] != 0
        bad = np.zeros(n, dtype=bool)
        bad[q[~fresh]] = True
        mark(bad, RejectReason.UNVERIFIED_ADDRESS)
        if n:
            self._state.merge(
                "trust", {"key": f.icao[clear], "ts": ts[clear]}, now_us=int(ts.max()), ttl_s=self._address_ttl_s
            )
        return reason

    # -- positions table -----------------------------------------------------------------------------

    def _positions(
        self, f: FrameFields, matrix: npt.NDArray[np.uint8], keep: I64, ts_all: I64, off_all: I64, source_file: str
    ) -> pa.Table:
        k = keep.size
        ts, icao, df, tc = ts_all[keep], f.icao[keep], f.df[keep], f.tc[keep]
        flags = np.zeros(k, dtype=np.int64)
        lat = np.full(k, np.nan)
        lon = np.full(k, np.nan)
        alt, gs, trk, vr = f.alt_ft[keep].copy(), f.gs_kt[keep].copy(), f.track_deg[keep].copy(), f.vrate_fpm[keep].copy()
        sq_chars, has_sq = f.squawk[keep].copy(), f.has_squawk[keep].copy()
        cs_chars, has_cs = f.callsign[keep].copy(), f.has_callsign[keep].copy()

        # Fallback: extended squitter type codes not decoded here go through pyModeS.
        fb_rows = np.flatnonzero(~f.native[keep])
        if fb_rows.size:
            hexes = [bytes(matrix[keep[r]]).hex() for r in fb_rows]
            fb = decode_with_pymodes(hexes, fb_rows)
            for j, r in enumerate(fb.rows):
                alt[r] = np.nan if fb.alt_ft[j] is None else fb.alt_ft[j]
                gs[r] = np.nan if fb.gs_kt[j] is None else fb.gs_kt[j]
                trk[r] = np.nan if fb.track_deg[j] is None else fb.track_deg[j]
                vr[r] = np.nan if fb.vrate_fpm[j] is None else fb.vrate_fpm[j]
                if (s := fb.squawk[j]) is not None:
                    sq_chars[r], has_sq[r] = np.frombuffer(s.encode()[:4].ljust(4, b"0"), np.uint8), True
                if (c := fb.callsign[j]) is not None:
                    cs_chars[r], has_cs[r] = np.frombuffer(c.encode()[:8].ljust(8), np.uint8), True

        # Positions.
        pos = np.flatnonzero(f.is_position[keep])
        surface = f.is_surface[keep]
        if pos.size:
            res = resolve(
                icao[pos], ts[pos], surface[pos], f.cpr_odd[keep][pos], f.cpr_lat[keep][pos], f.cpr_lon[keep][pos],
                self._state, self._pos,
            )  # fmt: skip
            lat[pos], lon[pos] = res.lat, res.lon
            flags[pos] |= np.where(res.ambiguous, int(PositionFlag.CPR_AMBIGUOUS), 0)
            flags[pos] |= np.where(res.speed_bad, int(PositionFlag.IMPOSSIBLE_SPEED), 0)
            flags[pos] |= np.where(res.jump_bad, int(PositionFlag.POSITION_JUMP), 0)
        flags |= np.where(np.isnan(lat), int(PositionFlag.NO_POSITION), 0)
        flags |= np.where(surface, int(PositionFlag.SURFACE), 0)
        flags |= np.where(np.isin(df, ADDRESS_PARITY_DFS), int(PositionFlag.ADDRESS_RECOVERED), 0)

        nic, nacp, sil = self._integrity(f, keep, icao, ts, pos)
        low = ((nic >= 0) & (nic < NIC_LOW_BELOW)) | ((nacp >= 0) & (nacp < NACP_LOW_BELOW))
        flags |= np.where(low & np.isfinite(lat), int(PositionFlag.INTEGRITY_LOW), 0)

        on_ground = f.on_ground[keep]
        columns = [
            pa.array(ts, type=pa.int64()).cast(pa.timestamp("us", tz="UTC")),
            hex_strings(icao, 6),
            _masked(lat, pa.float64()),
            _masked(lon, pa.float64()),
            _masked(alt, pa.float32()),
            _masked(f.alt_gnss_ft[keep], pa.float32()),
            _masked(gs, pa.float32()),
            _masked(trk, pa.float32()),
            _masked(vr, pa.float32()),
            fld.ascii_strings(cs_chars, has_cs, strip=True),
            fld.ascii_strings(sq_chars, has_sq),
            pa.array(on_ground == 1, mask=on_ground < 0, type=pa.bool_()),
            _small_ints(nic, pa.int8()),
            _small_ints(nacp, pa.int8()),
            _small_ints(sil, pa.int8()),
            pa.array(df, type=pa.int64()).cast(pa.int8()),
            _small_ints(tc, pa.int8()),
            pa.array(flags, type=pa.int64()).cast(pa.uint16()),
            _constant_strings(source_file, k),
            pa.array(off_all[keep], type=pa.int64()),
        ]
        return pa.Table.from_arrays(columns, schema=POSITIONS_SCHEMA)

    def _integrity(self, f: FrameFields, keep: I64, icao: I64, ts: I64, pos: I64) -> tuple[I64, I64, I64]:
        """NIC for position rows (type code + supplements); NACp/SIL from the row itself (TC29/31) or the
        address's latest TC29/31 within OPSTATUS_TTL_S."""
        k = keep.size
        nic = np.full(k, -1, dtype=np.int64)
        nacp = f.nacp[keep].copy()
        sil = f.sil[keep].copy()
        now = int(ts.max()) if k else 0
        ttl_us = int(OPSTATUS_TTL_S * 1e6)

        op = np.flatnonzero(f.is_opstatus[keep])
        st = self._state.get("opstat")
        ev = {
            "key": np.concatenate((st["key"], icao[op])),
            "ts": np.concatenate((st["ts"], ts[op])),
            "version": np.concatenate((st["version"], f.version[keep][op])),
            "nic_a": np.concatenate((st["nic_a"], f.nic_a[keep][op])),
            "nic_c": np.concatenate((st["nic_c"], f.nic_c[keep][op])),
        }
        if pos.size:
            hit = last_event(ev["key"], ev["ts"], icao[pos], ts[pos])
            hit = np.where((hit >= 0) & (ts[pos] - gather(ev["ts"], hit, 0) <= ttl_us), hit, -1)
            version = gather(ev["version"], hit, -1)
            nic_a = gather(ev["nic_a"], hit, 0)
            nic_c = gather(ev["nic_c"], hit, 0)
            surface = f.is_surface[keep][pos]
            supp = np.where(surface, nic_c, f.nic_b[keep][pos])
            nic[pos] = fld.nic(f.tc[keep][pos], version, nic_a, supp)
        self._state.merge("opstat", {k_: v[len(st["key"]) :] for k_, v in ev.items()}, now_us=now, ttl_s=OPSTATUS_TTL_S)

        acc_rows = np.flatnonzero(f.has_accuracy[keep])
        sa = self._state.get("accuracy")
        ev_key = np.concatenate((sa["key"], icao[acc_rows]))
        ev_ts = np.concatenate((sa["ts"], ts[acc_rows]))
        ev_nacp = np.concatenate((sa["nacp"], nacp[acc_rows]))
        ev_sil = np.concatenate((sa["sil"], sil[acc_rows]))
        if pos.size:
            hit = last_event(ev_key, ev_ts, icao[pos], ts[pos])
            hit = np.where((hit >= 0) & (ts[pos] - gather(ev_ts, hit, 0) <= ttl_us), hit, -1)
            nacp[pos] = gather(ev_nacp, hit, -1)
            sil[pos] = gather(ev_sil, hit, -1)
        self._state.merge(
            "accuracy",
            {"key": icao[acc_rows], "ts": ts[acc_rows], "nacp": nacp[acc_rows], "sil": sil[acc_rows]},
            now_us=now,
            ttl_s=OPSTATUS_TTL_S,
        )
        return nic, nacp, sil

    # -- rejected table ------------------------------------------------------------------------------

    def _rejected(self, frames: pa.Table, f: FrameFields, lengths: I64, reason: I64, offsets: I64) -> pa.Table:
        rows = np.flatnonzero(reason >= 0)
        r = reason[rows]
        df_txt = pc.binary_join_element_wise("DF", pa.array(f.df[rows]).cast(pa.string()), "")
        syn_txt = hex_strings(f.syndrome[rows], 6)
        icao_txt = hex_strings(f.icao[rows], 6)
        len_txt = pa.array(lengths[rows]).cast(pa.string())
        expected_len = pa.array(np.where(f.df[rows] >= 16, "14", "7"))
        ttl = f"{self._address_ttl_s:g}"
        texts = {
            RejectReason.MODE_AC: pa.array(["Mode A/C reply carries no aircraft address"] * rows.size),
            RejectReason.LENGTH: pc.binary_join_element_wise(df_txt, ": ", len_txt, " bytes, expected ", expected_len, ""),
            RejectReason.UNKNOWN_DF: pc.binary_join_element_wise(
                df_txt, ": downlink format not decoded (expected DF0/4/5/11/16/17/18/20/21 or DF19 AF=0)", ""
            ),
            RejectReason.CRC: pc.binary_join_element_wise(
                df_txt, ": CRC-24 remainder ", syn_txt, pa.array(np.where(f.df[rows] == 11, ", expected < 000080",
                ", expected 000000")), "",
            ),  # fmt: skip
            RejectReason.UNVERIFIED_ADDRESS: pc.binary_join_element_wise(
                df_txt, ": address ", icao_txt, f" not heard in clear (DF11/17/18) in the previous {ttl} s", ""
            ),
        }
        detail = pa.array(np.full(rows.size, "", dtype=object), type=pa.string())
        for reason_enum, text in texts.items():
            detail = pc.if_else(pa.array(r == _REASONS.index(reason_enum)), text, detail)
        frame_col = frames["frame"].take(pa.array(rows)).combine_chunks().cast(pa.binary())
        names = pa.DictionaryArray.from_arrays(pa.array(r, type=pa.int32()), pa.array([x.value for x in _REASONS]))
        return pa.Table.from_arrays(
            [pa.array(offsets[rows], type=pa.int64()), names.cast(pa.string()), detail, frame_col],
            schema=REJECTED_SCHEMA,
        )
