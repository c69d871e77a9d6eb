"""Read a scenario TOML file into a checked :class:`~airpicture.simulate.scenario.Scenario`.

Bad input (unknown keys, unknown airfields, times out of order, values out of range) raises one
``ConfigError`` naming the file, line and key. Kinematic feasibility (speed and bank limits, climb rates)
is checked when the route is flown (``kinematics.fly``), with the same kind of error.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from airpicture.decode.modes.encode import callsign_bits, squawk_code
from airpicture.geo import destination
from airpicture.model.errors import ConfigError, ReferenceDataError
from airpicture.model.reports import ReportCategory
from airpicture.reference import ReferenceData
from airpicture.simulate._node import Node
from airpicture.simulate._toml_lines import TomlLines
from airpicture.simulate.scenario import (
    LIMITS,
    AircraftClass,
    Depart,
    Flight,
    Identity,
    Jamming,
    Land,
    MessageRates,
    Notam,
    Observer,
    Orbit,
    Receiver,
    Report,
    ReportTruth,
    RouteElement,
    Runway,
    Scenario,
    SortiePattern,
    Spoof,
    SpoofKind,
    Start,
    Traffic,
    TrafficRoute,
    TransmitChange,
    TransmitMode,
    Waypoint,
)

DEFAULT_RUNWAY_M = 2500.0
_TOP = {
    "scenario",
    "time",
    "receiver",
    "aircraft",
    "sorties",
    "traffic",
    "jamming",
    "messages",
    "notam",
    "observer",
    "report",
}
_AIRCRAFT = {"address", "callsign", "registration", "type", "role", "class", "squawk", "flight"}
_FLIGHT = {"night", "label", "route", "transmit", "spoof"}


def load_scenario(path: Path, reference: ReferenceData) -> Scenario:
    """Parse and check ``path``. Raises ``ConfigError`` (file:line key) on any bad input."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError("cannot read the scenario file", where=str(path), found=exc.strerror) from None
    return parse_scenario(text, str(path), reference)


def parse_scenario(text: str, source: str, reference: ReferenceData) -> Scenario:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", where=source) from None
    root = Node(data, (), TomlLines(text), source)
    root.check_keys(_TOP)
    return _Parser(root, reference).scenario()


class _Parser:
    def __init__(self, root: Node, reference: ReferenceData) -> None:
        self.root = root
        self.reference = reference
        self.addresses: dict[int, str] = {}

    def scenario(self) -> Scenario:
        head = self.root.table("scenario", required=True)
        assert head is not None
        head.check_keys({"name", "title", "description", "region", "seed"})
        region = head.text("region", "belarus")
        try:
            self.reference.region(region)
        except ReferenceDataError as exc:
            raise head.error("region", str(exc.message), region, exc.expected) from None
        nights, start_min, end_min, surge = self._time()
        self.nights = nights
        rates = self._rates()
        receivers = tuple(self._receiver(n) for n in self.root.tables("receiver"))
        if not receivers:
            raise self.root.error(None, "a scenario needs at least one [[receiver]]")
        flights = tuple(f for n in self.root.tables("aircraft") for f in self._aircraft(n))
        observers = tuple(self._observer(n) for n in self.root.tables("observer"))
        known = {o.pseudonym for o in observers}
        reports = tuple(self._report(n, known) for n in self.root.tables("report"))
        ids = {r.id for r in reports}
        for r, n in zip(reports, self.root.tables("report"), strict=True):
            if r.refers_to and r.refers_to not in ids:
                raise n.error("refers_to", "names no report of this scenario", r.refers_to)
        return Scenario(
            name=head.text("name"),
            title=head.text("title", ""),
            description=head.text("description", ""),
            region=region,
            seed=head.whole("seed", 0, lo=0),
            nights=nights,
            window_start_min=start_min,
            window_end_min=end_min,
            surge_nights=surge,
            flights=flights,
            sorties=tuple(self._sorties(n) for n in self.root.tables("sorties")),
            traffic=self._traffic(),
            receivers=receivers,
            jamming=tuple(self._jamming(n) for n in self.root.tables("jamming")),
            rates=rates,
            notams=tuple(self._notam(n) for n in self.root.tables("notam")),
            observers=observers,
            reports=reports,
            source=self.root.file,
        )

    # -- time ----------------------------------------------------------------------------------------
    def _time(self) -> tuple[tuple[date, ...], int, int, tuple[date, ...]]:
        node = self.root.table("time", required=True)
        assert node is not None
        node.check_keys({"nights", "window_utc", "surge_nights"})
        nights: list[date] = []
        for i, item in enumerate(node.array("nights")):
            sub = Node(node.data, (*node.path, "nights"), node.lines, node.file)
            if isinstance(item, str) and "/" in item:
                a, b = (sub.date(i, s) for s in item.split("/", 1))
                if b < a:
                    raise sub.error(i, "date range ends before it starts", item)
                nights.extend(a + timedelta(days=k) for k in range((b - a).days + 1))
            else:
                nights.append(sub.date(i, item))
        if not nights:
            raise node.error("nights", "no nights to simulate")
        for k in range(1, len(nights)):
            if nights[k] <= nights[k - 1]:
                raise node.error("nights", "nights out of order or repeated", nights[k].isoformat())
        window = node.array("window_utc") or ["17:00", "03:30"]
        minutes = []
        for i, value in enumerate(window):
            try:
                hh, mm = str(value).split(":")
                minutes.append(int(hh) * 60 + int(mm))
            except ValueError:
                raise node.error("window_utc", 'expected ["HH:MM", "HH:MM"]', value) from None
            if not 0 <= minutes[-1] < 1440 or i > 1:
                raise node.error("window_utc", "expected two times of day", window)
        surge_node = Node(node.data, (*node.path, "surge_nights"), node.lines, node.file)
        surge = tuple(surge_node.date(i, v) for i, v in enumerate(node.array("surge_nights")))
        return tuple(nights), minutes[0], minutes[1], surge

    def _rates(self) -> MessageRates:
        node = self.root.table("messages")
        if node is None:
            return MessageRates()
        fields = MessageRates.__dataclass_fields__
        node.check_keys(set(fields))
        return MessageRates(**{k: node.num(k, lo=0.0, hi=10.0) for k in node.data})

    # -- receivers, jamming --------------------------------------------------------------------------
    def _receiver(self, node: Node) -> Receiver:
        node.check_keys({"name", "position", "antenna_m", "range_km", "gaps"})
        lat, lon = node.point("position")
        gaps = []
        for i, gap in enumerate(node.array("gaps")):
            sub = Node(node.data, (*node.path, "gaps"), node.lines, node.file)
            if not isinstance(gap, list) or len(gap) != 2:
                raise sub.error(i, "expected [start, end]", gap)
            a, b = sub.as_time(i, gap[0]), sub.as_time(i, gap[1])
            if b <= a:
                raise sub.error(i, "gap ends before it starts", gap)
            gaps.append((a, b))
        return Receiver(
            name=node.text("name"),
            lat=lat,
            lon=lon,
            antenna_m=node.num("antenna_m", 250.0, lo=0.0, hi=9000.0),
            range_km=node.num("range_km", 350.0, lo=1.0, hi=600.0),
            gaps=tuple(gaps),
        )

    def _jamming(self, node: Node) -> Jamming:
        node.check_keys({"name", "centre", "radius_km", "start", "end"})
        lat, lon = node.point("centre")
        start, end = node.time("start"), node.time("end")
        assert start is not None and end is not None
        if end <= start:
            raise node.error("end", "jamming ends before it starts", end.isoformat())
        return Jamming(node.text("name", "jamming"), lat, lon, node.num("radius_km", lo=1.0, hi=1000.0), start, end)

    # -- aircraft and routes -------------------------------------------------------------------------
    def identity(self, node: Node, *, interest_default: bool | None = None) -> Identity:
        raw = node.text("address")
        try:
            address = int(raw, 16)
        except ValueError:
            address = -1
        if len(raw) != 6 or not 0 < address < 0xFFFFFF:
            raise node.error("address", "not an ICAO 24-bit address", raw, "6 hexadecimal digits")
        callsign = node.text("callsign", "")
        try:
            callsign_bits(callsign)
        except ValueError as exc:
            raise node.error("callsign", str(exc), callsign) from None
        squawk = node.text("squawk", "7000")
        try:
            squawk_code(squawk)
        except ValueError as exc:
            raise node.error("squawk", str(exc), squawk) from None
        try:
            kind = AircraftClass(node.text("class", "airliner"))
        except ValueError:
            raise node.error("class", "unknown aircraft class", node.data.get("class"),
                             ", ".join(c.value for c in AircraftClass)) from None  # fmt: skip
        of_interest = self.reference.aircraft(raw) is not None
        return Identity(
            address=address,
            callsign=callsign,
            registration=node.text("registration", ""),
            type=node.text("type", ""),
            role=node.text("role", ""),
            kind=kind,
            squawk=squawk,
            of_interest=of_interest if interest_default is None else interest_default,
        )

    def _aircraft(self, node: Node) -> list[Flight]:
        node.check_keys(_AIRCRAFT)
        identity = self.identity(node)
        flights = []
        for sub in node.tables("flight"):
            sub.check_keys(_FLIGHT)
            night = sub.date("night", sub.data.get("night"))
            if night not in self.nights:
                raise sub.error("night", "is not one of the scenario's nights", night.isoformat())
            route = self._route(sub, identity.kind)
            start_time = route[0].at  # type: ignore[union-attr]
            flights.append(
                Flight(
                    identity=identity,
                    route=route,
                    transmit=self._transmit(sub, start_time),
                    spoof=self._spoof(sub),
                    night=night,
                    label=sub.text("label", identity.registration or identity.icao24),
                    where=sub.where(),
                )
            )
        return flights

    def _route(self, node: Node, kind: AircraftClass) -> tuple[RouteElement, ...]:
        limits = LIMITS[kind]
        elements: list[RouteElement] = []
        last_time: datetime | None = None
        items = list(node.tables("route"))
        if len(items) < 2:
            raise node.error("route", "a route needs a start and at least one more element")
        for i, item in enumerate(items):
            where = item.where()
            if item.has("depart"):
                if i != 0:
                    raise item.error("depart", "only the first route element may be a departure")
                item.check_keys({"depart", "runway", "runway_deg", "at"})
                at = item.time("at")
                assert at is not None
                elements.append(Depart(self.runway(item, "depart"), at, where))
            elif item.has("land"):
                if i != len(items) - 1:
                    raise item.error("land", "only the last route element may be a landing")
                item.check_keys({"land", "runway", "runway_deg"})
                elements.append(Land(self.runway(item, "land"), where))
            elif item.has("orbit"):
                elements.append(self._orbit(item, limits))
            elif i == 0:
                item.check_keys({"position", "alt_ft", "gs_kt", "at"})
                lat, lon = item.point("position")
                at = item.time("at")
                assert at is not None
                elements.append(Start(lat, lon, self._alt(item, limits), self._speed(item, limits), at, where))
            else:
                item.check_keys({"position", "alt_ft", "gs_kt", "at"})
                lat, lon = item.point("position")
                gs = self._speed(item, limits) if item.has("gs_kt") else None
                at = item.time("at", required=False)
                elements.append(Waypoint(lat, lon, self._alt(item, limits), gs, at, where))
            at_here = getattr(elements[-1], "at", None)
            if at_here is not None:
                if last_time is not None and at_here <= last_time:
                    raise item.error("at", "time is not after the previous route time", at_here.isoformat())
                last_time = at_here
        return tuple(elements)

    def _alt(self, node: Node, limits: Any) -> float:
        return node.num("alt_ft", lo=-1000.0, hi=float(limits.ceiling_ft))

    def _speed(self, node: Node, limits: Any) -> float:
        value = node.num("gs_kt")
        if not limits.min_kt <= value <= limits.max_kt:
            raise node.error("gs_kt", "impossible ground speed for this aircraft class", f"{value:g} kt",
                             f"{limits.min_kt:g} … {limits.max_kt:g} kt")  # fmt: skip
        return value

    def _orbit(self, node: Node, limits: Any) -> Orbit:
        node.check_keys({"orbit", "centre", "leg_km", "width_km", "radius_km", "heading_deg", "alt_ft", "gs_kt",
                         "duration_min", "clockwise"})  # fmt: skip
        shape = node.text("orbit")
        if shape not in ("racetrack", "circle"):
            raise node.error("orbit", "unknown orbit shape", shape, "racetrack or circle")
        lat, lon = node.point("centre")
        if shape == "racetrack":
            leg, width = node.num("leg_km", lo=1.0, hi=500.0), node.num("width_km", lo=0.5, hi=200.0)
        else:
            leg, width = 0.0, 2 * node.num("radius_km", lo=0.25, hi=200.0)
        return Orbit(
            shape=shape,
            centre_lat=lat,
            centre_lon=lon,
            leg_km=leg,
            width_km=width,
            heading_deg=node.num("heading_deg", 0.0, lo=0.0, hi=360.0),
            alt_ft=self._alt(node, limits),
            gs_kt=self._speed(node, limits),
            duration_s=node.num("duration_min", lo=1.0, hi=24 * 60) * 60,
            clockwise=node.flag("clockwise", True),
            where=node.where(),
        )

    def runway(self, node: Node, key: str) -> Runway:
        name = node.text(key)
        try:
            field = self.reference.airfield(name)
        except ReferenceDataError as exc:
            raise node.error(key, "unknown airfield", name, exc.expected) from None
        elevation = field.elevation_ft or 0.0
        wanted = node.text("runway", "")
        ends = []
        for rw in field.runways:
            if rw.closed:
                continue
            length = (rw.length_ft or DEFAULT_RUNWAY_M / 0.3048) * 0.3048
            for ident, lat, lon, hdg in ((rw.le_ident, rw.le_lat, rw.le_lon, rw.le_heading_deg),
                                         (rw.he_ident, rw.he_lat, rw.he_lon, rw.he_heading_deg)):  # fmt: skip
                if lat is not None and lon is not None and hdg is not None:
                    ends.append((ident, lat, lon, hdg, length))
        if wanted:
            match = [e for e in ends if e[0] == wanted]
            if not match:
                raise node.error("runway", f"no runway end with thresholds at {field.name}", wanted,
                                 ", ".join(e[0] for e in ends) or "runway_deg (no runway data)")  # fmt: skip
            ident, lat, lon, hdg, length = match[0]
        elif node.has("runway_deg"):
            hdg = node.num("runway_deg", lo=0.0, hi=360.0)
            length = DEFAULT_RUNWAY_M
            back_lat, back_lon = destination(field.lat, field.lon, (hdg + 180.0) % 360.0, length / 2000.0)
            lat, lon = float(back_lat), float(back_lon)
        elif ends:
            ident, lat, lon, hdg, length = ends[0]
        else:
            raise node.error(key, f"{field.name} ({field.ident}) has no runway data: give runway_deg", name)
        return Runway(field.ident, field.name, lat, lon, hdg, elevation, length)

    def _transmit(self, node: Node, start: datetime | None) -> tuple[TransmitChange, ...]:
        changes = []
        previous = None
        for item in node.tables("transmit"):
            item.check_keys({"from", "mode"})
            at = item.time("from")
            assert at is not None
            try:
                mode = TransmitMode(item.text("mode"))
            except ValueError:
                raise item.error("mode", "unknown transmitter mode", item.data["mode"],
                                 ", ".join(m.value for m in TransmitMode)) from None  # fmt: skip
            if previous is not None and at <= previous:
                raise item.error("from", "transmitter changes out of order", at.isoformat())
            previous = at
            changes.append(TransmitChange(at, mode))
        if not changes:
            changes.append(TransmitChange(datetime(1970, 1, 1, tzinfo=UTC), TransmitMode.ADSB))
        return tuple(changes)

    def _spoof(self, node: Node) -> tuple[Spoof, ...]:
        out = []
        for item in node.tables("spoof"):
            item.check_keys({"from", "to", "kind", "offset_km"})
            a, b = item.time("from"), item.time("to")
            assert a is not None and b is not None
            if b <= a:
                raise item.error("to", "spoofing ends before it starts", b.isoformat())
            try:
                kind = SpoofKind(item.text("kind"))
            except ValueError:
                raise item.error("kind", "unknown spoofing kind", item.data["kind"], "frozen or offset") from None
            east, north = item.vector("offset_km") if kind is SpoofKind.OFFSET else (0.0, 0.0)
            out.append(Spoof(a, b, kind, east, north))
        return tuple(out)

    # -- recurring sorties and background traffic -----------------------------------------------------
    def _sorties(self, node: Node) -> SortiePattern:
        node.check_keys({"name", "airfield", "runway", "runway_deg", "aircraft", "per_night", "nights", "area",
                         "area_radius_km", "duration_min", "alt_ft", "gs_kt"})  # fmt: skip
        pool = []
        for item in node.tables("aircraft"):
            item.check_keys(_AIRCRAFT - {"flight"} | {"transmit"})
            try:
                mode = TransmitMode(item.text("transmit", "adsb"))
            except ValueError:
                raise item.error("transmit", "unknown transmitter mode", item.data["transmit"]) from None
            pool.append((self.identity(item), mode))
        if not pool:
            raise node.error("aircraft", "a sorties pattern needs at least one aircraft")
        per_night: dict[date, int] = {}
        counts = node.table("nights")
        if counts is not None:
            for key, value in counts.data.items():
                day = counts.date(key, key)
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise counts.error(key, "expected a sortie count", value)
                per_night[day] = value
        lat, lon = node.point("area")
        limits = LIMITS[pool[0][0].kind]
        gs = node.pair("gs_kt", (limits.min_kt * 2, limits.min_kt * 2.5))
        if gs[1] > limits.max_kt or gs[0] < limits.min_kt:
            raise node.error("gs_kt", "impossible ground speed for this aircraft class", gs)
        return SortiePattern(
            name=node.text("name"),
            runway=self.runway(node, "airfield"),
            aircraft=tuple(pool),
            per_night=node.whole("per_night", 1, lo=0),
            nights=per_night,
            area_lat=lat,
            area_lon=lon,
            area_radius_km=node.num("area_radius_km", 30.0, lo=1.0, hi=300.0),
            duration_min=node.pair("duration_min", (40.0, 70.0)),
            alt_ft=node.pair("alt_ft", (8000.0, 20000.0)),
            gs_kt=gs,
            where=node.where(),
        )

    def _traffic(self) -> Traffic | None:
        node = self.root.table("traffic")
        if node is None:
            return None
        node.check_keys({"per_night", "box", "routes", "airlines"})
        box = node.array("box")
        if len(box) != 4 or not all(isinstance(v, int | float) for v in box) or box[0] >= box[2] or box[1] >= box[3]:
            raise node.error("box", "expected [south, west, north, east] in degrees", box)
        airlines: dict[str, tuple[str, int]] = {}
        table = node.table("airlines")
        for code, spec in table.data.items() if table else []:
            assert table is not None
            if not isinstance(spec, list) or len(spec) != 2 or not isinstance(spec[0], str):
                raise table.error(code, 'expected ["address prefix", fleet size]', spec)
            airlines[code] = (spec[0], int(spec[1]))
        routes = []
        for item in node.tables("routes"):
            item.check_keys({"from", "to", "airline", "weight"})
            south, west, north, east = box
            ends = []
            for key in ("from", "to"):
                name = item.text(key)
                try:
                    af = self.reference.airfield(name)
                except ReferenceDataError as exc:
                    raise item.error(key, "unknown airfield", name, exc.expected) from None
                inside = south <= af.lat <= north and west <= af.lon <= east
                ends.append((af, self.runway(item, key) if inside else None))
            (fa, ra), (fb, rb) = ends
            airline = item.text("airline")
            if airline not in airlines:
                raise item.error("airline", "airline not listed in [traffic.airlines]", airline)
            routes.append(
                TrafficRoute(
                    origin=fa.ident, destination=fb.ident,
                    origin_lat=ra.threshold_lat if ra else fa.lat, origin_lon=ra.threshold_lon if ra else fa.lon,
                    destination_lat=rb.threshold_lat if rb else fb.lat,
                    destination_lon=rb.threshold_lon if rb else fb.lon,
                    origin_runway=ra, destination_runway=rb,
                    airline=airline, weight=item.num("weight", 1.0, lo=0.0),
                )
            )  # fmt: skip
        if not routes:
            raise node.error("routes", "background traffic needs at least one route")
        return Traffic(node.whole("per_night", lo=0), tuple(routes), (box[0], box[1], box[2], box[3]), airlines)

    # -- documents ------------------------------------------------------------------------------------
    def _notam(self, node: Node) -> Notam:
        node.check_keys({"id", "issued", "fir", "qcode", "lower_fl", "upper_fl", "locations", "start", "end",
                         "area", "text", "lower", "upper", "schedule"})  # fmt: skip
        ident = node.text("id")
        if len(ident) != 8 or ident[5] != "/" or not ident[0].isalpha() or not ident[1:5].isdigit():
            raise node.error("id", "not a NOTAM number", ident, "series letter, 4 digits, /, 2-digit year: A1234/22")
        issued, start, end = node.time("issued"), node.time("start"), node.time("end")
        assert issued is not None and start is not None and end is not None
        if end <= start:
            raise node.error("end", "NOTAM ends before it starts", end.isoformat())
        if start < issued - timedelta(minutes=1):
            raise node.error("start", "NOTAM starts before it is issued", start.isoformat())
        polygon = []
        for i, point in enumerate(node.array("area")):
            sub = Node({"p": point}, (*node.path, "area", i), node.lines, node.file)
            polygon.append(sub.point("p"))
        if len(polygon) < 3:
            raise node.error("area", "a restricted area needs at least three points")
        qcode = node.text("qcode", "QRTCA")
        if len(qcode) != 5 or not qcode.startswith("Q") or not qcode.isalpha():
            raise node.error("qcode", "not a Q-code", qcode, "Q + 4 letters, e.g. QRTCA")
        return Notam(
            id=ident, issued=issued, fir=node.text("fir", "UMMV"), qcode=qcode,
            lower_fl=node.whole("lower_fl", 0, lo=0), upper_fl=node.whole("upper_fl", 999, lo=0),
            locations=node.text("locations", "UMMV"), start=start, end=end, polygon=tuple(polygon),
            text=node.text("text", "TEMPO RESTRICTED AREA ACTIVATED WI AREA:"),
            lower=node.text("lower", "SFC"), upper=node.text("upper", "UNL"), schedule=node.text("schedule", ""),
            where=node.where(),
        )  # fmt: skip

    def _observer(self, node: Node) -> Observer:
        node.check_keys({"pseudonym", "reliability"})
        grade = node.text("reliability")
        if grade not in ("A", "B", "C", "D", "E", "F"):
            raise node.error("reliability", "not an Admiralty reliability grade", grade, "A … F")
        return Observer(node.text("pseudonym"), grade)

    def _report(self, node: Node, observers: set[str]) -> Report:
        node.check_keys({"id", "observer", "observed_at", "reported_at", "position", "place", "category", "text",
                         "truth", "refers_to"})  # fmt: skip
        observer = node.text("observer")
        if observer not in observers:
            raise node.error("observer", "no [[observer]] with this pseudonym", observer)
        seen, sent = node.time("observed_at"), node.time("reported_at")
        assert seen is not None and sent is not None
        if sent < seen:
            raise node.error("reported_at", "reported before it was observed", sent.isoformat())
        try:
            truth = ReportTruth(node.text("truth"))
        except ValueError:
            raise node.error("truth", "unknown report truth", node.data["truth"],
                             ", ".join(t.value for t in ReportTruth)) from None  # fmt: skip
        lat, lon = node.point("position")
        category = node.text("category")
        if category not in {c.value for c in ReportCategory}:
            raise node.error("category", "not a report category", category, ", ".join(c.value for c in ReportCategory))
        return Report(
            id=node.text("id"), observer=observer, observed_at=seen, reported_at=sent, lat=lat, lon=lon,
            place=node.text("place", ""), category=category, text=node.text("text"), truth=truth,
            refers_to=node.text("refers_to", ""), where=node.where(),
        )  # fmt: skip


def night_window(scenario: Scenario, night: date) -> tuple[datetime, datetime]:
    """UTC start and end of the simulated window of ``night`` (an evening date)."""
    base = datetime(night.year, night.month, night.day, tzinfo=UTC)
    start = base + timedelta(minutes=scenario.window_start_min)
    end = base + timedelta(minutes=scenario.window_end_min)
    if end <= start:
        end += timedelta(days=1)
    return start, end
