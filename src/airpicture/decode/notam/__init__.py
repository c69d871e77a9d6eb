"""NOTAM decoding: tolerant parser, Q-code tables, schedules, geometry, chains (spec/notam.md)."""

from airpicture.decode.notam.chains import by_id, chain_of, ended_at, in_force, link_chains
from airpicture.decode.notam.decode import active_at, decode_restriction, decode_text, is_restrictive
from airpicture.decode.notam.format import format_notam
from airpicture.decode.notam.geometry import BorderLookup, build_areas
from airpicture.decode.notam.parser import parse_notam, reassemble_parts
from airpicture.decode.notam.qcodes import QCodeMeaning, decode_qcode
from airpicture.decode.notam.schedule import intervals, parse_schedule, schedule_active

__all__ = [
    "BorderLookup",
    "QCodeMeaning",
    "active_at",
    "build_areas",
    "by_id",
    "chain_of",
    "decode_qcode",
    "decode_restriction",
    "decode_text",
    "ended_at",
    "format_notam",
    "in_force",
    "intervals",
    "is_restrictive",
    "link_chains",
    "parse_notam",
    "parse_schedule",
    "reassemble_parts",
    "schedule_active",
]
