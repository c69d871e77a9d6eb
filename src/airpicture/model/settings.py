"""Settings: one frozen object, built once by the CLI from TOML + ``AIRPICTURE_*`` environment + flags.

Library code receives a ``Settings`` (or the part of it it needs) and never reads the environment.
Every field carries a default and a help text (``metadata["help"]``); ``docs/settings.md`` documents
every field, and a test fails when one is missing there.

File layout (``airpicture.toml`` in the workspace, or ``--config FILE``)::

    region = "belarus"            # top-level keys are the general settings

    [tracks]                      # one table per section
    gap_min = 15

Environment overrides use the dotted name in upper case with ``__`` for the dot:
``AIRPICTURE_REGION=kaliningrad``, ``AIRPICTURE_TRACKS__GAP_MIN=30``. Precedence, lowest first:
defaults, file, environment, command-line flags.
"""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from airpicture.model.alert_settings import AlertRule as AlertRule
from airpicture.model.alert_settings import AlertSettings
from airpicture.model.errors import ConfigError
from airpicture.model.setting_field import setting as setting

ENV_PREFIX = "AIRPICTURE_"
TEST_SWITCH_PREFIX = "AIRPICTURE_REQUIRE_"
"""``AIRPICTURE_REQUIRE_BROWSER``, ``…_TOR``, ``…_MQTT``: CI's switches that turn a test's skip into a failure."""
SETTINGS_FILE_NAME = "airpicture.toml"


@dataclass(frozen=True, slots=True)
class TrackSettings:
    """How positions are cut into tracks."""

    gap_min: float = setting(15.0, "A silence longer than this (minutes) ends a track and starts a new one.")


@dataclass(frozen=True, slots=True)
class DetectSettings:
    """Which detectors run and their main parameters."""

    detectors: tuple[str, ...] = setting((), "Detectors 'airpicture detect' runs when none are named (empty: all).")
    lead_in_min: float = setting(
        15.0, "Minutes of the previous UTC day each day's detection also sees, so tracks keep continuity at midnight."
    )
    border_within_km: float = setting(50.0, "Border proximity: distance from a watched border segment (km).")
    orbit_min_turn_deg: float = setting(720.0, "Patrol orbit: net turn in one direction that makes an orbit (degrees).")
    orbit_max_radius_km: float = setting(100.0, "Patrol orbit: largest radius of the orbit area (km).")
    orbit_min_duration_min: float = setting(20.0, "Patrol orbit: shortest orbit reported (minutes).")
    movement_max_dist_km: float = setting(
        6.0, "Airfield movement: farthest a take-off or landing may be from the airfield reference point (km)."
    )
    dark_silence_s: float = setting(
        600.0, "Going dark: seconds without a position after the last fix before an aircraft counts as dark."
    )
    dark_min_history_share: float = setting(
        0.5, "Going dark: share of earlier days (up to 28) on which the place was heard, to count as covered."
    )
    gnss_resolution: int = setting(5, "GNSS interference: H3 resolution of the cells (4 or 5).")
    gnss_min_share: float = setting(
        0.1, "GNSS interference: share of aircraft with degraded navigation that flags a cell-hour (0-1)."
    )
    surge_baseline_nights: int = setting(28, "Activity surge: earlier nights in the baseline.")
    surge_min_baseline_nights: int = setting(7, "Activity surge: fewest monitored baseline nights for a verdict.")
    surge_min_z: float = setting(3.0, "Activity surge: robust z-score that makes a surge.")
    novelty_min_gap_days: int = setting(30, "Novelty: days an event class must have been unseen to be new.")


@dataclass(frozen=True, slots=True)
class NotamSettings:
    """NOTAM restrictions: which borders to watch, and where border lines come from."""

    watch_borders: tuple[str, ...] = setting(
        (),
        "Borders watched for restriction events, as ISO 3166 alpha-2 pairs (e.g. BY-UA). "
        "Empty (the default): the region's border_segments.",
    )
    border_km: float = setting(
        50.0, "A restriction within this distance (km) of a watched border raises restriction events."
    )
    borders_file: Path | None = setting(
        None,
        "GeoJSON of country polygons (property ISO_A2) used for 'along the state border' and --near. "
        "Default: the shipped reference borders.",
    )


@dataclass(frozen=True, slots=True)
class IngestSettings:
    """How receiver files are read."""

    max_reorder_s: float = setting(
        5.0,
        "A frame more than this many seconds earlier than the latest frame already read from the same file "
        "is rejected as out_of_order (smaller reorderings, common in merged feeds, are kept).",
    )
    flush_rows: int = setting(
        1_000_000,
        "Positions buffered per input file before a Parquet part is written; bounds ingest memory.",
    )


@dataclass(frozen=True, slots=True)
class ScaleSettings:
    """Where the batch chain runs: here, or on a Dask cluster (docs/scale.md)."""

    engine: str = setting("local", "Engine of 'ingest', 'detect' and 'run': local (this process) or dask.")
    workers: int = setting(2, "Worker processes of the local Dask cluster started when no scheduler is given.")
    scheduler: str | None = setting(
        None, "Address of an existing Dask scheduler (tcp://host:8786); none: a local cluster on loopback."
    )
    retries: int = setting(2, "Times a failed Dask task is retried before it is reported as failed.")
    worker_memory: str = setting("auto", "Memory limit per local Dask worker (e.g. 4GiB); auto: shared out.")


@dataclass(frozen=True, slots=True)
class ReportSettings:
    """Observer-report intake (docs/reports.md, docs/source-protection.md)."""

    reporter_key_file: Path = setting(
        Path("~/.config/airpicture/reporter.key"),
        "File holding the secret key for reporter pseudonym hashes (HMAC-SHA256). Must be outside the "
        "workspace; created (mode 0600) when missing. Without it reporter continuity is lost, nothing else.",
    )
    default_timezone: str = setting("UTC", "Time zone of report times written without a UTC offset.")
    default_time_precision_min: float = setting(
        15.0, "Half-width (minutes) of a report's time when the row gives no precision and a full time."
    )
    future_tolerance_min: float = setting(
        10.0, "A report time later than now plus this (minutes) is rejected as in the future."
    )
    max_media_bytes: int = setting(20_000_000, "Largest media file accepted (bytes); larger ones are refused.")
    max_media_pixels: int = setting(40_000_000, "Largest image accepted (width × height pixels).")
    coordinates_precision_km: float = setting(
        1.0, "Place precision (km) of a report given as coordinates without an accuracy."
    )
    settlement_precision_km: float = setting(5.0, "Place precision (km) of a report that names a place.")


@dataclass(frozen=True, slots=True)
class IntakeSettings:
    """The observer intake server (``airpicture intake serve``; docs/security/intake.md)."""

    data_dir: Path = setting(
        Path("intake-data"),
        "Folder of the intake server: its SQLite database and token secret. Nothing else of airpicture's.",
    )
    socket_path: Path = setting(
        Path("intake-data/intake.sock"), "Unix socket the intake server listens on (Tor's HiddenServicePort)."
    )
    public_key_file: Path = setting(
        Path("intake.pub"), "The analyst's public key (from 'airpicture intake keygen'); reports are sealed to it."
    )
    private_key_file: Path = setting(
        Path("~/.config/airpicture/intake.key"),
        "Analyst machine only: the private key 'airpicture intake pull' opens sealed reports with (mode 0600).",
    )
    reports_per_token_per_day: int = setting(30, "Most reports one codename may send per UTC day.")
    reports_per_minute: int = setting(600, "Most reports the whole server accepts per minute (all reporters).")
    tokens_per_minute: int = setting(20, "Most new codenames the server issues per minute (all visitors).")
    max_body_bytes: int = setting(40_000_000, "Largest request body accepted (bytes); larger ones get 413.")
    max_photo_bytes: int = setting(10_000_000, "Largest photo accepted (bytes).")
    max_photo_pixels: int = setting(40_000_000, "Largest photo accepted (width × height pixels); bombs are refused.")
    pull_batch_size: int = setting(200, "Sealed reports per batch of 'airpicture intake pull'.")


@dataclass(frozen=True, slots=True)
class ClaimSettings:
    """How claims are formed, cross-checked and graded (docs/claims.md; spec assessment.md §2, §3)."""

    cluster_distance_km: float = setting(
        25.0, "Observer reports of one category this close (km) and within cluster_window_min are one claim."
    )
    cluster_window_min: float = setting(60.0, "Time window (minutes) for clustering observer reports.")
    sensor_distance_km: float = setting(
        50.0, "A detector event or track this close (km) to an observer claim corroborates it."
    )
    sensor_window_min: float = setting(
        60.0, "Time window (minutes) around an observer claim searched for sensor events and tracks."
    )
    coverage_min_fraction: float = setting(
        0.5,
        "Share (0-1) of 10-minute bins with receiver positions near the place below which coverage is poor: "
        "the claim is then 'not corroborated (poor coverage)'.",
    )
    track_max_alt_ft: float = setting(
        20000.0, "Only positions at or below this altitude (ft) count as a track an observer could have seen."
    )
    phash_max_distance: int = setting(8, "Images whose perceptual hashes differ in at most this many bits are one.")
    source_class_grades: tuple[str, ...] = setting(
        ("notam=A", "sensor=B", "ministry=B", "actor=B"),
        "Default reliability per source kind (kind=grade); kinds not listed start at F and follow their track record.",
    )


@dataclass(frozen=True, slots=True)
class AssessSettings:
    """How a day is assessed."""

    min_baseline_nights: int = setting(
        3,
        "Fewest earlier nights with receiver data in the region's frame (within the question's baseline_days) "
        "that make a baseline; with fewer the report says 'no baseline yet' and no count is compared with one.",
    )


@dataclass(frozen=True, slots=True)
class WebSettings:
    """What ``airpicture serve`` shows without an API key (docs/web.md)."""

    public: tuple[str, ...] = setting(
        ("aircraft", "tracks", "restrictions", "gnss", "dashboard"),
        "Parts of the web API readable without a key: any of aircraft (also /v2), tracks, events, claims, "
        "judgments, reports, restrictions, gnss, receivers, stream, dashboard. Empty: a key for everything.",
    )


@dataclass(frozen=True, slots=True)
class LiveSettings:
    """``airpicture live``: receiver feeds watched as they arrive (docs/live.md)."""

    feeds: tuple[str, ...] = setting(
        (),
        "Feeds to watch, each a feed URL (beast://, raw://, sbs://, http(s)://.../aircraft.json, replay:PATH) with "
        "an optional =RECEIVER suffix, or a [[live.feeds]] table with url, receiver and options (a table of URL "
        "options). Added to by --feed.",
    )
    flush_interval_s: float = setting(
        5.0,
        "Seconds between writes of the buffered positions to the workspace; a kill -9 loses at most this much "
        "of a socket feed (a replay resumes where its last write ended).",
    )
    detect_interval_s: float = setting(
        10.0,
        "Seconds between incremental detection passes over the days that received positions; events are emitted "
        "after each pass.",
    )
    settle_min: float = setting(
        15.0,
        "An event whose end lies within this many minutes of the latest position time is provisional (it may "
        "still grow or change); once the feeds end, every event is closed.",
    )
    refresh_claims: bool = setting(
        True, "Refresh claims (claims refresh) after each detection pass that changed events."
    )
    assess_at: tuple[str, ...] = setting(
        ("06:00",),
        "Local times (HH:MM, region time zone) at which the night's claims and assessment are refreshed and the "
        "day's report written, as airpicture run would; empty: never on a schedule.",
    )
    status_interval_s: float = setting(
        2.0, "Seconds between updates of the stored live status (airpicture live status)."
    )


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a run may be configured with. Built once; passed down; never mutated."""

    workspace: Path = setting(
        Path("airpicture-workspace"),
        "Folder that holds the workspace (DuckDB database and Parquet partitions). "
        "Also set by --workspace or AIRPICTURE_WORKSPACE.",
    )
    region: str = setting(
        "belarus",
        "Region to watch: the name of a shipped region (belarus, kaliningrad) or of a file in region_dirs.",
    )
    region_dirs: tuple[Path, ...] = setting(
        (),
        "Extra folders searched for region files (<name>.toml) before the shipped ones.",
    )
    reference_dir: Path | None = setting(
        None,
        "Folder of user-refreshed reference data (e.g. the plane-alert-db watch-list written by "
        "'airpicture reference update'). Default: <workspace>/reference.",
    )
    log_level: str = setting("warning", "Least severe log level shown: debug, info, warning or error.")
    tracks: TrackSettings = field(default_factory=TrackSettings, metadata={"help": "Track building."})
    detect: DetectSettings = field(default_factory=DetectSettings, metadata={"help": "Detectors."})
    notam: NotamSettings = field(default_factory=NotamSettings, metadata={"help": "NOTAM restrictions."})
    ingest: IngestSettings = field(default_factory=IngestSettings, metadata={"help": "Reading receiver files."})
    reports: ReportSettings = field(default_factory=ReportSettings, metadata={"help": "Observer-report intake."})
    intake: IntakeSettings = field(default_factory=IntakeSettings, metadata={"help": "Observer intake server."})
    claims: ClaimSettings = field(default_factory=ClaimSettings, metadata={"help": "Claims and grading."})
    assess: AssessSettings = field(default_factory=AssessSettings, metadata={"help": "Assessment."})
    alerts: AlertSettings = field(default_factory=AlertSettings, metadata={"help": "Alerts and publishing."})
    web: WebSettings = field(default_factory=WebSettings, metadata={"help": "The web API and dashboard."})
    scale: ScaleSettings = field(default_factory=ScaleSettings, metadata={"help": "Dask engine."})
    live: LiveSettings = field(default_factory=LiveSettings, metadata={"help": "Live monitoring of receiver feeds."})

    @property
    def reference_path(self) -> Path:
        """Where user-refreshed reference data lives."""
        return self.reference_dir if self.reference_dir is not None else self.workspace / "reference"


def iter_settings(cls: type = Settings, prefix: str = "") -> Iterator[tuple[str, dataclasses.Field[Any]]]:
    """Yield ``(dotted_name, field)`` for every leaf setting, sections expanded."""
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        if dataclasses.is_dataclass(hint):
            yield from iter_settings(typing.cast(type, hint), f"{prefix}{f.name}.")
        else:
            yield f"{prefix}{f.name}", f


def describe_type(cls: type, name: str) -> str:
    """The type of a dotted setting, in words for the docs."""
    hints = typing.get_type_hints(cls)
    head, _, rest = name.partition(".")
    hint = hints[head]
    if rest:
        return describe_type(hint, rest)
    return _type_words(hint)


def _type_words(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return f"{_type_words(args[0])} (optional)"
    if origin is tuple:
        inner = typing.get_args(hint)[0]
        return "list of tables" if dataclasses.is_dataclass(inner) else f"list of {_type_words(inner)}"
    return {str: "string", int: "integer", float: "number", bool: "boolean", Path: "path"}.get(hint, str(hint))


def load_settings(
    config_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    required: bool = False,
) -> Settings:
    """Build the settings: defaults < ``config_file`` < ``env`` (``AIRPICTURE_*``) < ``overrides``.

    ``overrides`` maps dotted names to already-typed values (command-line flags). A missing
    ``config_file`` is an error only when ``required`` (the user named it). Raises ``ConfigError``
    naming the file or variable, the key, what was found and what was expected.
    """
    values: dict[str, Any] = {}
    if config_file is not None:
        if config_file.is_file():
            values.update(_read_toml(config_file))
        elif required:
            raise ConfigError("settings file not found", where=str(config_file))
    for key, raw in (env or {}).items():
        if not key.startswith(ENV_PREFIX) or key in ("AIRPICTURE_CONFIG", "AIRPICTURE_REPORTER_PASSPHRASE"):
            continue
        if key.startswith(TEST_SWITCH_PREFIX):  # the test suite's own switches (docs/testing.md), not settings
            continue
        dotted = key[len(ENV_PREFIX) :].lower().replace("__", ".")
        values[dotted] = _convert(dotted, raw, where=f"environment variable {key}")
    for dotted, value in (overrides or {}).items():
        if value is not None:
            values[dotted] = value
    settings: Settings = _build(Settings, values, "")
    return settings


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read settings file: {exc}", where=str(path)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", where=str(path)) from exc
    flat: dict[str, Any] = {}
    _flatten(data, "", flat)
    return {k: _convert(k, v, where=f"{path}: key {k}") for k, v in flat.items()}


def _flatten(data: Mapping[str, Any], prefix: str, out: dict[str, Any]) -> None:
    for key, value in data.items():
        if isinstance(value, dict):
            _flatten(value, f"{prefix}{key}.", out)
        else:
            out[f"{prefix}{key}"] = value


def _known() -> dict[str, Any]:
    hints: dict[str, Any] = {}
    for name, _ in iter_settings():
        cls: Any = Settings
        *heads, leaf = name.split(".")
        for head in heads:
            cls = typing.get_type_hints(cls)[head]
        hints[name] = typing.get_type_hints(cls)[leaf]
    return hints


def _convert(name: str, value: Any, *, where: str) -> Any:
    known = _known()
    if name not in known:
        close = ", ".join(sorted(known))
        raise ConfigError("unknown setting", where=where, found=name, expected=f"one of {close}")
    return _coerce(known[name], value, where)


def _coerce(hint: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        if value in ("", None):
            return None
        inner = next(a for a in typing.get_args(hint) if a is not type(None))
        return _coerce(inner, value, where)
    if origin is tuple:
        inner = typing.get_args(hint)[0]
        if dataclasses.is_dataclass(inner):
            return tuple(_table(typing.cast(type, inner), item, where) for item in (value or ()))
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            raise ConfigError("bad value", where=where, found=str(value), expected="a list")
        if inner is str:
            items = [_feed_table(item, where) if isinstance(item, dict) else item for item in items]
        return tuple(_coerce(inner, item, where) for item in items if item != "")
    try:
        if hint is bool:
            if isinstance(value, bool):
                return value
            lowered = str(value).strip().lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        if hint is Path:
            return Path(str(value)).expanduser()
        if hint is float and isinstance(value, bool):
            raise ValueError(value)
        return hint(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError("bad value", where=where, found=str(value), expected=_type_words(hint)) from exc


def _table(cls: type, value: Any, where: str) -> Any:
    """One ``[[…]]`` table (e.g. an alert rule) as its dataclass: known keys, typed; unknown keys are errors."""
    if not isinstance(value, Mapping):
        raise ConfigError("bad value", where=where, found=str(value), expected="a table")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    for key in value:
        if key not in names:
            raise ConfigError("unknown key", where=where, found=str(key), expected=f"one of {', '.join(sorted(names))}")
    try:
        return cls(**{k: _coerce(hints[k], v, f"{where}.{k}") for k, v in value.items()})
    except TypeError as exc:
        raise ConfigError("bad table", where=where, found=str(dict(value)), expected=str(exc)) from exc


def _feed_table(item: Mapping[str, Any], where: str) -> str:
    """A ``[[live.feeds]]`` table (``url``, ``receiver``, ``options``) as the feed URL ``--feed`` takes."""
    from urllib.parse import urlencode

    url = item.get("url")
    unknown = sorted(set(item) - {"url", "receiver", "options"})
    if not isinstance(url, str) or unknown:
        raise ConfigError(
            "bad [[live.feeds]] table",
            where=where,
            found=", ".join(unknown) or "no url",
            expected="url, receiver, options",
        )
    options = item.get("options") or {}
    if not isinstance(options, dict):
        raise ConfigError("bad [[live.feeds]] options", where=where, found=str(options), expected="a table")
    if options:
        url += ("&" if "?" in url else "?") + urlencode({k: str(v) for k, v in options.items()})
    receiver = item.get("receiver")
    return f"{url}={receiver}" if receiver else url


def _build(cls: type, values: Mapping[str, Any], prefix: str) -> Any:
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        dotted = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(hints[f.name]):
            kwargs[f.name] = _build(hints[f.name], values, f"{dotted}.")
        elif dotted in values:
            kwargs[f.name] = values[dotted]
    return cls(**kwargs)
