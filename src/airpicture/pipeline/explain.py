"""``claims explain``: the provenance tree of a claim, from the claim down to raw records."""

from __future__ import annotations

from collections.abc import Mapping

import duckdb

from airpicture.model.claims import Appearance, Claim, Source
from airpicture.model.errors import UsageError
from airpicture.model.events import Evidence, EvidenceKind
from airpicture.store import Workspace
from airpicture.store import claims as store


def _raw(con: duckdb.DuckDBPyConnection, evidence: Evidence, has_positions: bool) -> str:
    if evidence.kind is EvidenceKind.REPORT:
        found = store.load_reports(con, [evidence.source_file])
        if not found:
            return f"report {evidence.source_file} (not in this workspace)"
        r = found[0]
        place = r.place_name or f"{r.lat_deg:.4f}, {r.lon_deg:.4f}"
        return (
            f"report row {r.source_row} of file {r.source_file[:12]}…: {r.category.value}"
            f"{f' ×{r.count}' if r.count else ''} at {r.observed_at.isoformat()} ±{r.time_precision_min:g} min, "
            f"{place} ±{r.place_precision_km:g} km; text: {r.text!r}; media: {len(r.media)}"
        )
    if evidence.kind is EvidenceKind.NOTAM:
        row = con.execute("SELECT text FROM claim_notams WHERE notam_id = ?", [evidence.source_file]).fetchone()
        return f"NOTAM {evidence.source_file}: {row[0]!r}" if row else f"NOTAM {evidence.source_file}"
    if evidence.kind is EvidenceKind.POSITION and has_positions:
        row = con.execute(
            "SELECT ts, icao24, lat_deg, lon_deg, alt_ft, callsign FROM positions WHERE source_file = ? "
            "AND source_offset = ? LIMIT 1",
            [evidence.source_file, evidence.source_offset],
        ).fetchone()
        if row:
            return (
                f"position: file {evidence.source_file[:16]}… offset {evidence.source_offset}: {row[0].isoformat()} "
                f"{row[1]} {row[2]:.4f},{row[3]:.4f} alt {row[4]} ft {row[5] or ''}".rstrip()
            )
    return f"{evidence.kind.value}: {evidence.source_file} offset {evidence.source_offset} {evidence.note}".rstrip()


def _label(a: Appearance, sources: Mapping[str, Source]) -> str:
    source = sources.get(a.source_id)
    who = f"{source.name} [{source.kind.value}, {source.reliability.value}]" if source else a.source_id
    extra = " PRIMARY" if a.primary else ""
    quote = f" — {a.quote[:100]!r}" if a.quote else ""
    return f"{a.appearance_id} ({a.modality.value}{extra}) by {who} at {a.published_at.isoformat()}{quote}"


def explain(workspace: Workspace, claim_id: str, region: str) -> list[str]:
    """Lines of the provenance tree of ``region``'s claim ``claim_id``: status and rule, clusters, echoes, raw
    records, history."""
    with workspace.connect(read_only=True) as con:
        found = store.load_claims(con, region, claim_id)
        if not found:
            raise UsageError(
                "no such claim", where="CLAIM_ID", found=claim_id, expected="an id from 'airpicture claims list'"
            )
        claim: Claim = found[0]
        appearances = store.load_appearances(con, region, list(claim.appearances))
        sources = store.load_sources(con, region)
        history = store.load_verification_events(con, region, claim_id)
        has_positions = workspace.has_partitions("positions")
        place = claim.place_name or (f"{claim.lat_deg:.4f}, {claim.lon_deg:.4f}" if claim.lat_deg is not None else "—")
        cred = "—" if claim.credibility is None else str(int(claim.credibility))
        lines = [
            f"claim {claim.claim_id}: {claim.event_type} {claim.subject}".rstrip(),
            f"  when {claim.start.isoformat()} … {claim.end.isoformat()}; where {place}",
            f"  status {claim.status.value} (support {claim.support.value}), credibility {cred}; "
            f"{_n(claim.independent_roots, 'independent root')}, {len(claim.primary_roots)} primary, "
            f"{_n(claim.echo_count, 'echo', 'echoes')}, {_n(len(claim.contradictions), 'contradiction')}; "
            f"sensor check: {claim.sensor_check.value}"
            + (f" (coverage {claim.coverage_fraction:.0%})" if claim.coverage_fraction is not None else ""),
        ]
        citers: dict[str, list[str]] = {}
        for a in appearances.values():
            for target in a.cites:
                citers.setdefault(target, []).append(a.appearance_id)

        def tree(aid: str, depth: int, seen: frozenset[str]) -> None:
            pad = "    " * depth
            a = appearances.get(aid)
            if a is None:
                lines.append(f"{pad}{aid.removeprefix('ref:')} (cited, not in the workspace)")
            else:
                lines.append(f"{pad}{_label(a, sources)}")
                lines.extend(f"{pad}    raw: {_raw(con, e, has_positions)}" for e in a.evidence)
            for child in sorted(citers.get(aid.removeprefix("ref:"), [])):
                if child not in seen:
                    lines.append(f"{pad}    cited by:")
                    tree(child, depth + 2, seen | {child})

        roots = sorted(
            {*claim.roots, *(a for a in appearances if not appearances[a].cites)}
            | {f"ref:{c}" for a in appearances.values() for c in a.cites if c not in appearances}
        )
        lines.append("provenance (roots first; 'cited by' lines are echoes):")
        for root in roots:
            marker = (
                "independent root"
                if root in claim.roots
                else ("contradiction" if root in claim.contradictions else "root (merged or withdrawn)")
            )
            lines.append(f"  [{marker}]")
            tree(root, 1, frozenset({root}))
        lines.append("history:")
        for e in history:
            lines.append(
                f"  {e.at.isoformat()} {e.from_status.value if e.from_status else '(new)'} → "
                f"{e.to_status.value} by {e.actor} rule {e.rule}: {e.reason}"
            )
    return lines


def _n(n: int, one: str, many: str = "") -> str:
    """ "1 independent root", "2 echoes": no "(s)" plurals."""
    return f"{n} {one if n == 1 else many or one + 's'}"
