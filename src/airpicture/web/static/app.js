/* airpicture dashboard: the workspace's picture on a MapLibre map, everything from this server.
   No glyph server and no sprite: aircraft are a circle layer plus an arrow image drawn on a canvas and
   rotated by track; labels are HTML. window.airpicture exposes what the browser tests query. */
"use strict";

(function () {
  const VENDOR = "/static/vendor/maplibre-gl-5.24.1/";
  maplibregl.setWorkerUrl(VENDOR + "maplibre-gl-csp-worker.js");

  const state = { at: null, military: false, counts: { aircraft: 0, nopos: 0, restrictions: 0, events: 0 },
                  ready: false, loads: 0, error: null, firstIdleMs: null };
  const $ = (id) => document.getElementById(id);
  const empty = () => ({ type: "FeatureCollection", features: [] });

  const map = new maplibregl.Map({
    container: "map",
    center: [27.5, 53.5],
    zoom: 5,
    attributionControl: { compact: true, customAttribution: "Borders: Natural Earth" },
    style: {
      version: 8,
      sources: {
        borders: { type: "geojson", data: "/basemap.geojson" },
        restrictions: { type: "geojson", data: empty() },
        events: { type: "geojson", data: empty() },
        aircraft: { type: "geojson", data: empty() },
        track: { type: "geojson", data: empty() },
      },
      layers: [
        { id: "sea", type: "background", paint: { "background-color": "#c9dbe8" } },
        { id: "land", type: "fill", source: "borders", paint: { "fill-color": "#f1efe8" } },
        { id: "borders", type: "line", source: "borders", paint: { "line-color": "#8c8577", "line-width": 0.8 } },
        { id: "restrictions-fill", type: "fill", source: "restrictions",
          paint: { "fill-color": "#d97706", "fill-opacity": 0.15 } },
        { id: "restrictions-line", type: "line", source: "restrictions",
          paint: { "line-color": "#b45309", "line-width": 1.5, "line-dasharray": [3, 2] } },
        { id: "events", type: "circle", source: "events", filter: ["==", ["geometry-type"], "Point"],
          paint: { "circle-radius": 6, "circle-color": "rgba(0,0,0,0)", "circle-stroke-width": 2,
                   "circle-stroke-color": "#7c3aed" } },
        { id: "track", type: "line", source: "track", filter: ["!", ["get", "gap"]],
          layout: { "line-cap": "round", "line-join": "round" },
          paint: { "line-width": 3, "line-color": ["interpolate", ["linear"], ["get", "alt_ft"],
                   0, "#16a34a", 10000, "#ca8a04", 25000, "#dc2626", 40000, "#7c3aed"] } },
        { id: "track-gap", type: "line", source: "track", filter: ["get", "gap"],
          paint: { "line-width": 1.5, "line-color": "#6b7280", "line-dasharray": [2, 2] } },
        { id: "aircraft-halo", type: "circle", source: "aircraft", filter: ["==", ["get", "of_interest"], true],
          paint: { "circle-radius": 11, "circle-color": "rgba(179,38,30,0.25)", "circle-stroke-width": 2,
                   "circle-stroke-color": "#b3261e" } },
        { id: "aircraft", type: "circle", source: "aircraft",
          paint: { "circle-radius": 4,
                   "circle-color": ["case", ["get", "of_interest"], "#b3261e", ["get", "military"], "#c2410c",
                                    "#1d4ed8"],
                   "circle-stroke-width": 1, "circle-stroke-color": "#ffffff" } },
      ],
    },
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }));

  function arrowImage() {
    /* A 24 px arrow pointing north, drawn here (no sprite file); rotated by track_deg in the layer. */
    const size = 24, canvas = document.createElement("canvas");
    canvas.width = canvas.height = size;
    const g = canvas.getContext("2d");
    g.fillStyle = "#1b1f24";
    g.beginPath(); g.moveTo(12, 1); g.lineTo(19, 20); g.lineTo(12, 16); g.lineTo(5, 20); g.closePath(); g.fill();
    return g.getImageData(0, 0, size, size);
  }

  async function getJSON(path) {
    const response = await fetch(path, { headers: keyHeaders() });
    if (!response.ok) throw new Error(path + ": HTTP " + response.status);
    return response.json();
  }

  function keyHeaders() {
    const key = sessionStorage.getItem("airpicture-key");
    return key ? { "X-API-Key": key } : {};
  }

  function query(params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== false) q.set(k, v);
    const text = q.toString();
    return text ? "?" + text : "";
  }

  async function allEvents() {
    const events = [];
    let cursor = null;
    do {
      const page = await getJSON("/api/v1/events" + query({ limit: 1000, cursor }));
      events.push(...page.events);
      cursor = page.next_cursor;
    } while (cursor);
    return events;
  }

  function centre(geometry) {
    /* The mean of a GeoJSON geometry's coordinates: where the map pans for an event. */
    let n = 0, x = 0, y = 0;
    (function walk(c) {
      if (typeof c[0] === "number") { x += c[0]; y += c[1]; n += 1; } else c.forEach(walk);
    })(geometry.coordinates);
    return n ? [x / n, y / n] : null;
  }

  function item(list, html, onClick) {
    const li = document.createElement("li");
    li.innerHTML = html;
    if (onClick) li.addEventListener("click", () => onClick(li));
    list.appendChild(li);
  }

  const escape = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";");
  const hhmm = (t) => (t ? String(t).replace("T", " ").slice(0, 16) + "Z" : "");

  function name(a) {
    return escape((a.callsign || "").trim() || a.registration || a.icao24);
  }

  function showAircraft(picture) {
    const placed = picture.aircraft.filter((a) => a.lat_deg !== null && a.lon_deg !== null);
    const unplaced = picture.aircraft.filter((a) => a.lat_deg === null || a.lon_deg === null);
    map.getSource("aircraft").setData({
      type: "FeatureCollection",
      features: placed.map((a) => ({
        type: "Feature", geometry: { type: "Point", coordinates: [a.lon_deg, a.lat_deg] },
        properties: { icao24: a.icao24, name: name(a), track_deg: a.track_deg ?? 0, alt_ft: a.alt_ft,
                      military: !!a.military, of_interest: !!a.of_interest, has_track: a.track_deg !== null,
                      type: a.aircraft_type || "", category: a.category || "" },
      })),
    });
    const list = $("nopos");
    list.replaceChildren();
    for (const a of unplaced) {
      item(list, `<span class="${a.of_interest ? "hit" : ""}">${name(a)}</span> ${escape(a.aircraft_type)} ` +
        `<span class="when">${hhmm(a.last_seen)}</span>`);
    }
    $("n-nopos").textContent = "(" + unplaced.length + ")";
    state.counts.aircraft = placed.length;
    state.counts.nopos = unplaced.length;
  }

  function showRestrictions(collection) {
    map.getSource("restrictions").setData(collection);
    const list = $("restrictions");
    list.replaceChildren();
    for (const f of collection.features) {
      const p = f.properties || {};
      item(list, `<span class="kind">${escape(p.notam_id || p.id || "NOTAM")}</span> ` +
        `<span class="when">${hhmm(p.valid_from || p.start)} – ${hhmm(p.valid_to || p.end)}</span>`);
    }
    $("n-restrictions").textContent = "(" + collection.features.length + ")";
    state.counts.restrictions = collection.features.length;
  }

  function showEvents(events) {
    const located = events.filter((e) => e.geometry);
    map.getSource("events").setData({
      type: "FeatureCollection",
      features: located.map((e) => ({ type: "Feature", geometry: e.geometry,
                                      properties: { event_id: e.event_id, type: e.type } })),
    });
    const list = $("events");
    list.replaceChildren();
    for (const e of events) {
      const who = (e.subjects || []).map((s) => s.callsign || s.registration || s.icao24).filter(Boolean);
      item(list, `<span class="kind">${escape(e.type)}</span> <span class="when">${hhmm(e.start)}</span> ` +
        `${escape(who.slice(0, 3).join(", "))}`, (li) => {
        for (const other of list.children) other.classList.remove("selected");
        li.classList.add("selected");
        const at = e.geometry ? centre(e.geometry) : null;
        if (at) map.easeTo({ center: at, zoom: Math.max(map.getZoom(), 7) });
      });
    }
    $("n-events").textContent = "(" + events.length + ")";
    state.counts.events = events.length;
  }

  const GAP_S = 60, BAND_FT = 2000;

  function trackFeatures(points) {
    /* Consecutive fixes as lines coloured by altitude (merged per 2,000 ft band); a silence of more than
       GAP_S between two fixes is a dashed "gap" line, never drawn as if observed. */
    const features = [];
    let line = null;
    for (let i = 1; i < points.length; i++) {
      const a = points[i - 1], b = points[i];
      const gap = (Date.parse(b.ts) - Date.parse(a.ts)) / 1000 > GAP_S;
      const band = gap ? -1 : Math.round((a.alt_ft ?? 0) / BAND_FT);
      if (!line || line.band !== band) {
        line = { band, coordinates: [[a.lon_deg, a.lat_deg]] };
        features.push({ type: "Feature", geometry: { type: "LineString", coordinates: line.coordinates },
                        properties: { gap, alt_ft: a.alt_ft ?? 0 } });
      }
      line.coordinates.push([b.lon_deg, b.lat_deg]);
    }
    return features;
  }

  async function showTrack(icao24) {
    const until = state.at ? Date.parse(state.at) : Infinity;
    const since = isFinite(until) ? new Date(until - 2 * 3600 * 1000).toISOString() : null;
    const tracks = await getJSON("/api/v1/tracks/" + encodeURIComponent(icao24) +
                                 query({ since, points: "true" }));
    const points = tracks.flatMap((t) => t.points || []).filter((p) => Date.parse(p.ts) <= until);
    state.trackPoints = points.length;
    map.getSource("track").setData({ type: "FeatureCollection", features: trackFeatures(points) });
    return points.length;
  }

  function fitToData(picture, events) {
    /* The first view: the box around the events and the aircraft with a position (whatever the region). */
    const points = picture.aircraft.filter((a) => a.lat_deg !== null && a.lon_deg !== null)
      .map((a) => [a.lon_deg, a.lat_deg])
      .concat(events.filter((e) => e.geometry).map((e) => centre(e.geometry)).filter(Boolean));
    if (points.length === 0) return;
    const bounds = new maplibregl.LngLatBounds(points[0], points[0]);
    for (const p of points) bounds.extend(p);
    map.fitBounds(bounds, { padding: 40, maxZoom: 6, duration: 0 });
  }

  async function load() {
    state.ready = false;
    const loadNo = ++state.loads;
    $("status").textContent = "loading…";
    try {
      const [picture, restrictions, events] = await Promise.all([
        getJSON("/api/v1/aircraft" + query({ at: state.at, military: state.military ? "true" : null })),
        getJSON("/api/v1/restrictions" + query({ at: state.at })),
        allEvents().catch((err) => err),  /* events need a key unless public: show the rest anyway */
      ]);
      if (loadNo !== state.loads) return;
      showAircraft(picture);
      showRestrictions(restrictions);
      if (events instanceof Error) {
        showEvents([]);
        $("n-events").textContent = "(" + events.message + ")";
      } else showEvents(events);
      if (loadNo === 1) fitToData(picture, events instanceof Error ? [] : events);
      $("status").textContent = `${picture.at ? hhmm(picture.at) : "no data"} · ${state.counts.aircraft} aircraft`;
      map.once("idle", () => {
        if (loadNo !== state.loads) return;
        state.ready = true;
        if (state.firstIdleMs === null) state.firstIdleMs = performance.now();  /* since navigation */
      });
      map.triggerRepaint();
    } catch (err) {
      state.error = String(err);
      $("status").textContent = String(err.message || err);
    }
  }

  function toLocalInput(iso) {
    /* The datetime-local input holds UTC (the page says so): strip the offset. */
    return iso ? String(iso).slice(0, 19) : "";
  }

  map.on("load", async () => {
    map.addImage("arrow", arrowImage());
    map.addLayer({ id: "aircraft-arrow", type: "symbol", source: "aircraft", filter: ["get", "has_track"],
                   layout: { "icon-image": "arrow", "icon-size": 0.75, "icon-rotate": ["get", "track_deg"],
                             "icon-rotation-alignment": "map", "icon-allow-overlap": true } });
    map.on("click", "aircraft", (e) => {
      const p = e.features[0].properties;
      new maplibregl.Popup().setLngLat(e.lngLat)
        .setHTML(`<b>${p.name}</b> ${escape(p.icao24)}<br>${escape(p.type)} ${escape(p.category)}<br>` +
                 `${p.alt_ft ?? "–"} ft`).addTo(map);
      showTrack(p.icao24).catch((err) => { $("status").textContent = String(err.message || err); });
    });
    try {
      const meta = await getJSON("/api/v1/meta");
      /* ?at=2022-07-11T20:30:00Z in the address shows that time (a link to a past night) */
      state.at = new URLSearchParams(location.search).get("at") || meta.latest;
      $("at").value = toLocalInput(state.at);
    } catch (err) {
      state.error = String(err);
    }
    await load();
  });

  $("at").addEventListener("change", () => {
    state.at = $("at").value ? $("at").value + "+00:00" : null;
    load();
  });
  $("military").addEventListener("change", () => { state.military = $("military").checked; load(); });

  window.airpicture = {
    map,
    ready: () => state.ready,
    error: () => state.error,
    firstIdleMs: () => state.firstIdleMs,
    showTrack,
    setTime: (iso) => { state.at = iso; $("at").value = toLocalInput(iso); load(); },
    counts: async () => {
      /* What the map's sources hold (asked of MapLibre, not of our own bookkeeping) and the side lists. */
      const size = async (id) => ((await map.getSource(id).getData()).features || []).length;
      return { borders: await size("borders"), track: await size("track"), aircraft: await size("aircraft"), restrictions: await size("restrictions"),
               eventsOnMap: await size("events"), events: $("events").children.length,
               nopos: $("nopos").children.length };
    },
  };
})();
