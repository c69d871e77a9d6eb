"""``airpicture notam ingest|active|diff|show|events``: NOTAM restrictions and how they change."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from airpicture.cli.export_cmd import parse_utc
from airpicture.cli.lazy import lazy_module
from airpicture.cli.output import print_fields, print_json, print_rows, to_jsonable
from airpicture.cli.state import get_state
from airpicture.model.notam import Restriction

pipeline = lazy_module("airpicture.pipeline.notam")  # loaded on first use: --help stays fast
records = lazy_module("airpicture.pipeline.notam_records")

app = typer.Typer(help="NOTAMs: ingest, what is active, what changed, one NOTAM decoded.", no_args_is_help=True)


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    GEOJSON = "geojson"


def _row(r: Restriction) -> tuple[Any, ...]:
    p = records.restriction_properties(r)
    lower = "SFC" if p["lower_ft"] == 0 else p["lower_ft"]
    upper = "UNL" if p["upper_ft"] is None else p["upper_ft"]
    return (
        r.id,
        p["qcode"],
        p["meaning"],
        " ".join(p["locations"]),
        p["valid_from"].strftime("%Y-%m-%d %H:%M") if p["valid_from"] else "",
        "PERM" if p["permanent"] else (p["valid_to"].strftime("%Y-%m-%d %H:%M") if p["valid_to"] else ""),
        f"{lower}-{upper} ft",
        ", ".join(a.source.value for a in r.areas),
    )


COLUMNS = ("id", "qcode", "meaning", "A", "from (UTC)", "to (UTC)", "limits", "areas")


def _emit(ctx: typer.Context, restrictions: list[Restriction], fmt: OutputFormat, title: str) -> None:
    state = get_state(ctx)
    if fmt is OutputFormat.GEOJSON:
        collection = {"type": "FeatureCollection", "features": records.restriction_features(restrictions)}
        state.out.file.write(json.dumps(to_jsonable(collection), ensure_ascii=False) + "\n")
    elif fmt is OutputFormat.JSON:
        print_json(state.out, [records.restriction_record(r) for r in restrictions])
    else:
        print_rows(state.out, COLUMNS, [_row(r) for r in restrictions], title, wrap=("meaning",))


@app.command()
def ingest(
    ctx: typer.Context,
    paths: Annotated[
        list[Path], typer.Argument(help="NOTAM files: ICAO text, PIB XML, JSON or JSON Lines; - reads standard input.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable summary.")] = False,
    show_problems: Annotated[int, typer.Option("--problems", help="List at most this many problems.")] = 20,
) -> None:
    """Read NOTAM files into the workspace. Safe to repeat: the same NOTAM id and text is stored once.

    Exits 2 when a file could not be read or holds no NOTAM (the other files are still read)."""
    state = get_state(ctx)
    stdin = sys.stdin.buffer.read() if pipeline.STDIN in paths else None
    summary = pipeline.ingest_notams(state.workspace(), paths, state.clock, state.settings, stdin)
    counts = {
        "files": summary.files,
        "read": summary.read,
        "parsed": summary.parsed,
        "partly parsed": summary.partial,
        "failed": summary.failed,
        "stored": summary.stored,
        "already stored": summary.duplicates,
        "quarantined": summary.quarantined,
        "files failed": summary.failed_files,
    }
    if as_json:
        print_json(state.out, {**counts, "problems": summary.problems})
    else:
        for line in summary.problems[:show_problems]:
            if not state.quiet:  # problems quote NOTAM text: never read as Rich markup
                state.err.print(f"  {line}", markup=False, highlight=False)
        if len(summary.problems) > show_problems:
            state.say(f"  … and {len(summary.problems) - show_problems} more (--problems N to see them)")
        failed_files = f", {summary.failed_files} file(s) failed" if summary.failed_files else ""
        state.out.print(
            f"{summary.read:,} NOTAMs read from {summary.files} file(s){failed_files}: {summary.parsed:,} parsed, "
            f"{summary.partial:,} partly parsed, {summary.failed:,} failed; {summary.stored:,} stored, "
            f"{summary.duplicates:,} already stored, {summary.quarantined:,} quarantined",
            highlight=False,
            markup=False,
        )
    if summary.failed_files:
        raise typer.Exit(2)


@app.command()
def active(
    ctx: typer.Context,
    at: Annotated[str, typer.Option(help="UTC time (ISO 8601).")],
    near: Annotated[str | None, typer.Option(help="Only near this border, e.g. BY-UA.")] = None,
    within: Annotated[str | None, typer.Option(help="Distance for --near, e.g. 50km (default: settings).")] = None,
    restrictions_only: Annotated[
        bool, typer.Option("--restrictions-only", help="Only R*/W* subjects and GNSS warnings.")
    ] = False,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="table, json or geojson.")] = OutputFormat.TABLE,
    as_json: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
) -> None:
    """NOTAMs active at a time: validity window, NOTAMR/NOTAMC chain and schedule (item D)."""
    state = get_state(ctx)
    found = pipeline.active_restrictions(
        state.workspace(), state.settings, parse_utc(at, "--at"), near, _km(within), restrictions_only
    )
    _emit(ctx, found, OutputFormat.JSON if as_json else fmt, f"{len(found)} active at {at}")


def _km(text: str | None) -> float | None:
    if text is None:
        return None
    cleaned = text.strip().lower()
    try:
        if cleaned.endswith("nm"):
            return float(cleaned[:-2]) * 1.852
        return float(cleaned.removesuffix("km"))
    except ValueError:
        from airpicture.model.errors import UsageError

        raise UsageError("not a distance", where="--within", found=text, expected="e.g. 50km or 27nm") from None


@app.command()
def diff(
    ctx: typer.Context,
    from_: Annotated[str, typer.Option("--from", help="Earlier UTC time (ISO 8601).")],
    to: Annotated[str, typer.Option("--to", help="Later UTC time (ISO 8601).")],
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="table, json or geojson.")] = OutputFormat.TABLE,
    as_json: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
) -> None:
    """What changed between two times: new, changed (NOTAMR), cancelled, expired, and began and ended."""
    state = get_state(ctx)
    result = pipeline.diff_restrictions(
        state.workspace(), state.settings, parse_utc(from_, "--from"), parse_utc(to, "--to")
    )
    groups: dict[str, list[Restriction]] = {
        "new": list(result.new),
        "changed": [new for _, new in result.changed],
        "cancelled": list(result.cancelled),
        "expired": list(result.expired),
        "began_and_ended": list(result.began_and_ended),
    }
    fmt = OutputFormat.JSON if as_json else fmt
    if fmt is OutputFormat.JSON:
        print_json(
            state.out,
            {
                **{k: [records.restriction_record(r) for r in v] for k, v in groups.items()},
                "changed_from": [old.id for old, _ in result.changed],
            },
        )
    elif fmt is OutputFormat.GEOJSON:
        features = []
        for change, items in groups.items():
            for feature in records.restriction_features(items):
                feature["properties"]["change"] = change
                features.append(feature)
        state.out.file.write(json.dumps(to_jsonable({"type": "FeatureCollection", "features": features})) + "\n")
    else:
        for change, items in groups.items():
            print_rows(state.out, COLUMNS, [_row(r) for r in items], f"{change.replace('_', ' ')}: {len(items)}")


@app.command()
def show(
    ctx: typer.Context,
    notam_id: Annotated[str, typer.Argument(help="NOTAM id, e.g. A1234/22.")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """One NOTAM decoded: fields, plain-language Q-code, areas (GeoJSON) and its chain."""
    state = get_state(ctx)
    restriction, chain = pipeline.find_notam(state.workspace(), state.settings, notam_id)
    props = records.restriction_properties(restriction)
    features = records.restriction_features([restriction])
    chain_ids = [r.id for r in chain]
    if as_json:
        print_json(state.out, {**props, "chain": chain_ids, "areas": features, "raw": restriction.notam.raw})
        return
    print_fields(state.out, {k: v for k, v in props.items() if k not in ("text", "issues")}, restriction.id)
    state.out.print(restriction.notam.text, highlight=False, markup=False)
    print_rows(
        state.out,
        ("area", "name", "source", "fragment", "geometry"),
        [
            (f["properties"]["area_index"], f["properties"]["area_name"], f["properties"]["source"],
             f["properties"]["raw_fragment"][:60], (f["geometry"] or {}).get("type", "—"))
            for f in features
        ],
        "areas",
    )  # fmt: skip
    state.out.print("chain: " + " → ".join(chain_ids), highlight=False)
    for issue in props["issues"]:
        state.out.print(f"issue: item {issue['item']} offset {issue['offset']}: {issue['reason']}", highlight=False)


@app.command()
def events(
    ctx: typer.Context,
    from_: Annotated[str, typer.Option("--from", help="Start UTC time (ISO 8601).")],
    to: Annotated[str, typer.Option("--to", help="End UTC time (ISO 8601).")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Restrictions that appear, change or end near the watched borders (settings notam.watch_borders)."""
    state = get_state(ctx)
    found = pipeline.restriction_events(
        state.workspace(), state.settings, parse_utc(from_, "--from"), parse_utc(to, "--to")
    )
    rows = [
        {"event_id": e.event_id, "type": e.type, "at": e.start, **dict(e.attributes), "geometry": e.geometry}
        for e in found
    ]
    if as_json:
        print_json(state.out, rows)
        return
    print_rows(
        state.out,
        ("at (UTC)", "event", "NOTAM", "qcode", "border", "km"),
        [(r["at"].strftime("%Y-%m-%d %H:%M"), r["type"], r["notam_id"], r["qcode"], r["border"], r["distance_km"])
         for r in rows],
        f"{len(rows)} restriction events",
    )  # fmt: skip
