"""``airpicture reference …``: look up the shipped reference data; refresh the watch-list."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from airpicture.cli.output import print_fields, print_json, print_rows
from airpicture.cli.state import get_state

# The pipeline (shapely, pyproj, reference tables) is imported inside each command, so that --help starts fast.

app = typer.Typer(
    help="Reference data: aircraft of interest, airfields, ICAO address blocks, borders, regions.",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


@app.command()
def aircraft(
    ctx: typer.Context,
    icao24: Annotated[str, typer.Argument(help="ICAO 24-bit address, 6 hex digits (e.g. 14C5A9).")],
    as_json: JsonOption = False,
) -> None:
    """Any address: the State's address block, and the aircraft if it is on the watch-list (plane-alert-db).

    An address not on the watch-list is an answer (exit 0), not an error. plane-alert-db's category and tags
    are its own, often tongue-in-cheek labels ("Oxcart", "Dictator Alert"): they are given as such in --json,
    never as a description; the role is airpicture's, derived from the type.
    """
    from airpicture.pipeline import reference as ref

    state = get_state(ctx)
    found = ref.lookup_aircraft(state.settings, icao24)
    owner, listed = found.owner, found.aircraft
    block = owner.block
    record: dict[str, Any] = {
        "icao24": owner.icao24,
        "on_watchlist": listed is not None,
        "country": owner.country,
        "allocated_to": owner.country_name,
        "block": {"start": block.start_hex, "end": block.end_hex, "kind": block.kind} if block else None,
    }
    if listed is not None:
        entry = ref.as_dict(listed)
        record.update({k: entry[k] for k in ("registration", "operator", "type", "icao_type", "operator_class")})
        record["role"] = entry["role"]
        record["link"] = entry["link"]
        record["plane_alert_db"] = {"category": listed.category, "tags": list(listed.tags)}
    if as_json:
        print_json(state.out, record)
        return
    if listed is None:
        state.out.print(f"{owner.icao24.upper()}: not on the watch-list; {found.allocation()}", highlight=False)
        return
    fields = {
        "address": owner.icao24,
        "allocated to": found.allocation(),
        "registration": listed.registration,
        "operator": listed.operator,
        "type": listed.type,
        "icao_type": listed.icao_type,
        "operator class": record["operator_class"],
        "role (derived)": record["role"],
        "link": listed.link,
    }
    print_fields(state.out, fields, f"aircraft {owner.icao24.upper()} (watch-list: plane-alert-db)")


@app.command()
def airfield(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Name, alias (Latin or Cyrillic) or ICAO/GPS/IATA code.")],
    as_json: JsonOption = False,
) -> None:
    """An airfield by name, alias or code, with its runways."""
    from airpicture.pipeline import reference as ref

    state = get_state(ctx)
    found = ref.find_airfield(state.settings, name)
    if as_json:
        print_json(state.out, ref.as_dict(found))
        return
    fields: dict[str, Any] = ref.as_dict(found)
    runways = fields.pop("runways")
    fields["aliases"] = ", ".join(found.aliases)
    print_fields(state.out, fields, found.name)
    if runways:
        print_rows(
            state.out,
            ("runway", "length ft", "surface", "heading °T", "threshold le", "threshold he"),
            [
                (
                    f"{r['le_ident']}/{r['he_ident']}",
                    r["length_ft"],
                    r["surface"],
                    r["le_heading_deg"],
                    _pos(r["le_lat"], r["le_lon"]),
                    _pos(r["he_lat"], r["he_lon"]),
                )
                for r in runways
            ],
            "runways",
        )


def _pos(lat: float | None, lon: float | None) -> str:
    return f"{lat:.5f}, {lon:.5f}" if lat is not None and lon is not None else ""


@app.command("country-of")
def country_of(
    ctx: typer.Context,
    icao24: Annotated[str, typer.Argument(help="ICAO 24-bit address, 6 hex digits.")],
    as_json: JsonOption = False,
) -> None:
    """The State an ICAO 24-bit address is allocated to (most specific block)."""
    from airpicture.pipeline import reference as ref

    state = get_state(ctx)
    owner = ref.address_owner(state.settings, icao24)
    if as_json:
        print_json(state.out, ref.as_dict(owner))
        return
    block = owner.block
    print_fields(
        state.out,
        {
            "address": owner.icao24,
            "country": owner.country or "—",
            "allocated to": owner.country_name,
            "block": f"{block.start_hex}–{block.end_hex} ({block.size} addresses)" if block else "—",
        },
    )


@app.command()
def border(
    ctx: typer.Context,
    a: Annotated[str, typer.Argument(help="ISO 3166-1 alpha-2 code, e.g. BY.")],
    b: Annotated[str, typer.Argument(help="ISO 3166-1 alpha-2 code, e.g. UA.")],
    fmt: Annotated[str, typer.Option("--format", help="summary, geojson or wkt.")] = "summary",
    as_json: JsonOption = False,
) -> None:
    """The land border between two countries (Natural Earth 1:10m, Germany point of view)."""
    from airpicture.pipeline import reference as ref

    state = get_state(ctx)
    line = ref.find_border(state.settings, a, b)
    if fmt != "summary":
        state.out.file.write(ref.border_text(line, fmt) + "\n")
        return
    minx, miny, maxx, maxy = line.geometry.bounds
    summary = {
        "a": line.a,
        "b": line.b,
        "between": f"{line.a_name} – {line.b_name}",
        "length_km": round(line.length_km, 1),
        "parts": len(getattr(line.geometry, "geoms", [line.geometry])),
        "bbox": [round(v, 5) for v in (miny, minx, maxy, maxx)],
    }
    if as_json:
        print_json(state.out, summary)
    else:
        print_fields(state.out, summary, "border")


@app.command()
def region(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Region name; all regions when omitted.")] = None,
    as_json: JsonOption = False,
) -> None:
    """A region's configuration, or the list of regions."""
    from airpicture.pipeline import reference as ref

    state = get_state(ctx)
    if name is None:
        regions = ref.list_regions(state.settings)
        if as_json:
            print_json(state.out, [ref.as_dict(r) for r in regions])
        else:
            rows = [(r.name, r.title, r.watched_country, ", ".join(r.neighbours), r.timezone) for r in regions]
            print_rows(state.out, ("name", "title", "watched", "neighbours", "time zone"), rows, "regions")
        return
    found = ref.find_region(state.settings, name)
    record = ref.as_dict(found)
    if as_json:
        print_json(state.out, record)
        return
    record["border_segments"] = ", ".join(f"{x}–{y}" for x, y in found.border_segments)
    for key in ("neighbours", "airfields"):
        record[key] = ", ".join(record[key])
    print_fields(state.out, record, found.title)


@app.command()
def update(
    ctx: typer.Context,
    plane_alert_db: Annotated[
        Path, typer.Option("--plane-alert-db", help="A plane-alert-db CSV to install as the watch-list.")
    ],
) -> None:
    """Install a newer plane-alert-db watch-list (validated, written atomically to the reference folder)."""
    from airpicture.pipeline import reference as ref

    state = get_state(ctx)
    result = ref.update_plane_alert(state.settings, plane_alert_db)
    before = f" (was {result.previous:,})" if result.previous is not None else ""
    state.say(f"watch-list updated: {result.aircraft:,} aircraft{before} -> {result.path}")
