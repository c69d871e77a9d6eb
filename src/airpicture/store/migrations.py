"""Forward migrations of the workspace database schema.

``MIGRATIONS[n]`` takes a database at version ``n`` to ``n + 1``. Each runs in one transaction with the
version bump, so a killed migration leaves the old version intact. Later stages append here; never
edit a migration that has shipped.
"""

from __future__ import annotations

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 0 -> 1: the catalog of ingested files, the quarantine of bad records, the write-ahead list of renames.
    (
        """
        CREATE TABLE IF NOT EXISTS ingested_files (
            file_id VARCHAR PRIMARY KEY,       -- SHA-256 hex of the file's bytes
            path VARCHAR NOT NULL,             -- as given on the command line, for the user
            format VARCHAR NOT NULL,
            size_bytes BIGINT NOT NULL,
            ingested_at TIMESTAMPTZ NOT NULL,
            records_read BIGINT NOT NULL,
            records_stored BIGINT NOT NULL,
            records_rejected BIGINT NOT NULL
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS quarantine (
            file_id VARCHAR NOT NULL,
            location VARCHAR NOT NULL,         -- byte offset, line or row inside the file
            reason VARCHAR NOT NULL,
            detail VARCHAR NOT NULL,
            raw BLOB
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS pending_renames (
            txid VARCHAR NOT NULL,             -- one multi-file write
            tmp_path VARCHAR NOT NULL,         -- relative to the workspace root
            final_path VARCHAR NOT NULL        -- relative to the workspace root
        )
        """,
    ),
    # 1 -> 2: detector events and the per-day aggregates baselines are computed from.
    (
        """
        CREATE TABLE IF NOT EXISTS events (
            event_id VARCHAR PRIMARY KEY,
            type VARCHAR NOT NULL,
            start_ts TIMESTAMPTZ NOT NULL,
            end_ts TIMESTAMPTZ NOT NULL,
            day DATE NOT NULL,                 -- UTC day of start_ts
            region VARCHAR NOT NULL,
            detector VARCHAR NOT NULL,
            detector_version INTEGER NOT NULL,
            icao24 VARCHAR,                    -- first subject's address, for filtering
            role VARCHAR,                      -- first subject's role, for filtering
            geometry VARCHAR,                  -- GeoJSON
            subjects VARCHAR NOT NULL,         -- JSON array
            attributes VARCHAR NOT NULL,       -- JSON object
            flags VARCHAR NOT NULL,            -- JSON array
            evidence VARCHAR NOT NULL          -- JSON array of {kind, source_file, source_offset, note}
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS day_aggregates (
            day DATE NOT NULL,
            region VARCHAR NOT NULL,
            detector VARCHAR NOT NULL,
            key VARCHAR NOT NULL,
            value DOUBLE NOT NULL,
            PRIMARY KEY (day, region, detector, key)
        )
        """,
    ),
    # 2 -> 3: NOTAM messages as read (raw text kept; decoded again on use) and their restriction areas.
    (
        """
        CREATE TABLE IF NOT EXISTS notams (
            notam_id VARCHAR NOT NULL,         -- e.g. A1234/22
            text_sha256 VARCHAR NOT NULL,      -- SHA-256 hex of the raw text: same id + text = same NOTAM
            raw VARCHAR NOT NULL,
            source_file VARCHAR NOT NULL,      -- SHA-256 hex of the ingested file
            source_offset BIGINT NOT NULL,     -- character offset (text) or record number (XML, JSON)
            status VARCHAR NOT NULL,           -- parsed | partial | failed
            kind VARCHAR,                      -- N | R | C
            ref_id VARCHAR,
            qcode VARCHAR,
            fir VARCHAR,
            valid_from TIMESTAMPTZ,
            valid_to TIMESTAMPTZ,
            permanent BOOLEAN NOT NULL,
            estimated BOOLEAN NOT NULL,
            issues VARCHAR NOT NULL,           -- JSON list of {item, offset, reason}
            ingested_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (notam_id, text_sha256)
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS restrictions (
            notam_id VARCHAR NOT NULL,
            text_sha256 VARCHAR NOT NULL,
            area_index INTEGER NOT NULL,
            name VARCHAR,
            geometry_source VARCHAR NOT NULL,  -- q-line | item-e | named
            geometry VARCHAR,                  -- GeoJSON (RFC 7946) text
            raw_fragment VARCHAR NOT NULL,
            qcode VARCHAR,
            lower_ft DOUBLE,
            upper_ft DOUBLE,                   -- NULL: unlimited
            valid_from TIMESTAMPTZ,
            valid_to TIMESTAMPTZ,
            schedule VARCHAR,
            PRIMARY KEY (notam_id, text_sha256, area_index)
        )
        """,
    ),
    # 3 -> 4: tracks (rebuilt from positions by 'airpicture tracks build' and after every ingest), and
    # the ingest notes of each ingested file (how a receiver clock was anchored, records skipped).
    (
        """
        CREATE TABLE IF NOT EXISTS ingest_pending (
            file_id VARCHAR PRIMARY KEY        -- a file being ingested: its positions are not complete yet
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS ingest_notes (
            file_id VARCHAR NOT NULL,          -- ingested_files.file_id
            note VARCHAR NOT NULL
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS tracks (
            track_id VARCHAR PRIMARY KEY,      -- <icao24>-<first_seen as YYYYMMDDTHHMMSSZ>
            icao24 VARCHAR NOT NULL,
            first_seen TIMESTAMPTZ NOT NULL,
            last_seen TIMESTAMPTZ NOT NULL,
            duration_s DOUBLE NOT NULL,
            n_rows BIGINT NOT NULL,            -- every row of the address in the segment
            n_fixes BIGINT NOT NULL,           -- rows with a usable position (not flagged)
            callsigns VARCHAR[] NOT NULL,      -- in order of first appearance
            squawks VARCHAR[] NOT NULL,        -- each change, in order
            squawk_changed_at TIMESTAMPTZ[] NOT NULL,
            ground_states BOOLEAN[] NOT NULL,  -- each on-ground transition, in order
            ground_changed_at TIMESTAMPTZ[] NOT NULL,
            nic_min TINYINT, nic_max TINYINT, nacp_min TINYINT, nacp_max TINYINT,
            n_flagged BIGINT NOT NULL,         -- rows with any position-quality flag
            n_impossible_speed BIGINT NOT NULL,
            n_position_jump BIGINT NOT NULL,
            n_cpr_ambiguous BIGINT NOT NULL,
            n_frozen_position BIGINT NOT NULL,
            n_integrity_low BIGINT NOT NULL,
            alt_min_ft REAL, alt_max_ft REAL,
            lat_min_deg DOUBLE, lat_max_deg DOUBLE, lon_min_deg DOUBLE, lon_max_deg DOUBLE,
            geometry VARCHAR,                  -- GeoJSON LineString (or Point) of the usable fixes
            source_files VARCHAR[] NOT NULL,   -- SHA-256 of the ingested files the rows came from
            aircraft_type VARCHAR, operator VARCHAR, role VARCHAR, country VARCHAR,
            of_interest BOOLEAN
        )
        """,
    ),
    # 4 -> 5: observer reports (no identity columns, by construction), media artifacts, sources,
    # appearances, claims and their verification history (issue 7; spec assessment.md §6).
    (
        """
        CREATE TABLE IF NOT EXISTS reports (
            report_id VARCHAR PRIMARY KEY,
            observed_at TIMESTAMPTZ NOT NULL,
            time_precision_min DOUBLE NOT NULL,   -- half-width
            lat_deg DOUBLE NOT NULL,
            lon_deg DOUBLE NOT NULL,
            place_precision_km DOUBLE NOT NULL,
            place_name VARCHAR,                   -- gazetteer name, never the typed text
            category VARCHAR NOT NULL,
            count INTEGER,
            direction_deg DOUBLE,
            text VARCHAR NOT NULL,                -- redacted
            reporter_hash VARCHAR,                -- HMAC-SHA256(key outside the workspace, pseudonym token)
            how_known VARCHAR NOT NULL,
            media VARCHAR NOT NULL,               -- JSON array of artifact SHA-256
            received_at TIMESTAMPTZ NOT NULL,     -- truncated to the hour
            source_file VARCHAR NOT NULL,         -- SHA-256 of the imported file
            source_row INTEGER NOT NULL
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS artifacts (
            sha256 VARCHAR PRIMARY KEY,
            phash VARCHAR NOT NULL,
            media_type VARCHAR NOT NULL,
            width_px INTEGER NOT NULL,
            height_px INTEGER NOT NULL,
            size_bytes BIGINT NOT NULL,
            retrieved_at TIMESTAMPTZ NOT NULL,
            geolocated BOOLEAN NOT NULL,
            chronolocated BOOLEAN NOT NULL,
            path VARCHAR NOT NULL                 -- relative to the workspace: media/<sha[:2]>/<sha>.<ext>
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS claim_notams (
            notam_id VARCHAR PRIMARY KEY,
            text VARCHAR NOT NULL,
            valid_from TIMESTAMPTZ NOT NULL,
            valid_to TIMESTAMPTZ NOT NULL,
            lat_deg DOUBLE,
            lon_deg DOUBLE,
            published_at TIMESTAMPTZ
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS appearance_entries (
            entry_id VARCHAR PRIMARY KEY,         -- SHA-256 of the entered document
            added_at TIMESTAMPTZ NOT NULL,
            body VARCHAR NOT NULL                 -- the entered JSON (articles and posts: public statements)
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS source_grades (
            source_id VARCHAR PRIMARY KEY,
            grade VARCHAR NOT NULL
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS source_grade_events (
            source_id VARCHAR NOT NULL,
            at_ts TIMESTAMPTZ NOT NULL,
            from_grade VARCHAR NOT NULL,
            to_grade VARCHAR,
            actor VARCHAR NOT NULL,
            reason VARCHAR NOT NULL
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS sources (
            source_id VARCHAR PRIMARY KEY,
            kind VARCHAR NOT NULL,
            name VARCHAR NOT NULL,
            reliability VARCHAR NOT NULL,
            suggested VARCHAR NOT NULL,
            analyst_grade VARCHAR,
            confirmed INTEGER NOT NULL,
            refuted INTEGER NOT NULL
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS appearances (
            appearance_id VARCHAR PRIMARY KEY,
            body VARCHAR NOT NULL                 -- JSON of model.claims.Appearance
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS claims (
            claim_id VARCHAR PRIMARY KEY,
            event_type VARCHAR NOT NULL,
            subject VARCHAR NOT NULL,
            place_name VARCHAR,
            lat_deg DOUBLE,
            lon_deg DOUBLE,
            start_ts TIMESTAMPTZ NOT NULL,
            end_ts TIMESTAMPTZ NOT NULL,
            status VARCHAR NOT NULL,
            support VARCHAR NOT NULL,
            credibility INTEGER,
            independent_roots INTEGER NOT NULL,
            echo_count INTEGER NOT NULL,
            sensor_check VARCHAR NOT NULL,
            coverage_fraction DOUBLE,
            body VARCHAR NOT NULL                 -- JSON: appearances, roots, primary roots, echoes, contradictions
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS verification_events (
            claim_id VARCHAR NOT NULL,
            at_ts TIMESTAMPTZ NOT NULL,
            rule VARCHAR NOT NULL,
            from_status VARCHAR,
            to_status VARCHAR NOT NULL,
            reason VARCHAR NOT NULL,
            evidence_ids VARCHAR NOT NULL,        -- JSON array
            actor VARCHAR NOT NULL
        )
        """,
    ),
    # 5 -> 6: judgments (one current per question and day, chained by supersedes) and the inbox files
    # 'airpicture run' has taken in (issue 8).
    (
        """
        CREATE TABLE IF NOT EXISTS judgments (
            judgment_id VARCHAR PRIMARY KEY,
            question_id VARCHAR NOT NULL,
            day DATE NOT NULL,                    -- report day (noon to noon local time)
            created_at TIMESTAMPTZ NOT NULL,
            top VARCHAR NOT NULL,
            band VARCHAR NOT NULL,
            runner_up VARCHAR NOT NULL,
            runner_up_band VARCHAR NOT NULL,
            confidence VARCHAR NOT NULL,
            supersedes VARCHAR,                   -- the judgment of the latest earlier day
            current BOOLEAN NOT NULL,             -- false once re-assessed the same day
            body VARCHAR NOT NULL                 -- JSON: model.judgments.judgment_to_dict
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS inbox_files (
            path VARCHAR NOT NULL,                -- relative to the workspace inbox
            sha256 VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,                -- adsb | notams | reports | appearances
            taken_at TIMESTAMPTZ NOT NULL,
            outcome VARCHAR NOT NULL,             -- ok | failed: <one line>
            PRIMARY KEY (sha256, kind)
        )
        """,
    ),
    # 6 -> 7: the receiver of each ingested file (issue 8, source protection): a keyed pseudonym only
    # (HMAC-SHA256, pipeline/receivers.py), never a receiver name or id. NULL: the file is its own receiver
    # (files ingested before this version, and files no receiver was named for).
    (
        "ALTER TABLE ingested_files ADD COLUMN IF NOT EXISTS receiver VARCHAR",
        "ALTER TABLE ingested_files ADD COLUMN IF NOT EXISTS receiver_from VARCHAR",  # option|inbox|beast_id|file
    ),
    # 7 -> 8: the time basis of each ingested file (issue 12: times from a file's modification date) and the
    # time_approximate flag of tracks. time_basis: absolute | receiver_clock_anchored | file_mtime | none;
    # time_anchor: the start time given (--start or a .start sidecar) or the mtime used; time_anchor_from:
    # option | sidecar | mtime | data. Files ingested before: their basis from the ingest notes they left (the
    # receiver formats), 'absolute' for the formats that carry UTC times, NULL (unknown) otherwise.
    (
        "ALTER TABLE ingested_files ADD COLUMN IF NOT EXISTS time_basis VARCHAR",
        "ALTER TABLE ingested_files ADD COLUMN IF NOT EXISTS time_anchor TIMESTAMPTZ",
        "ALTER TABLE ingested_files ADD COLUMN IF NOT EXISTS time_anchor_from VARCHAR",
        "ALTER TABLE tracks ADD COLUMN IF NOT EXISTS time_approximate BOOLEAN",
        """
        UPDATE ingested_files SET time_basis = CASE
            WHEN EXISTS (SELECT 1 FROM ingest_notes n WHERE n.file_id = ingested_files.file_id
                         AND n.note LIKE '%''*'' lines carry no timestamp%') THEN 'none'
            WHEN EXISTS (SELECT 1 FROM ingest_notes n WHERE n.file_id = ingested_files.file_id
                         AND (n.note LIKE '%at the file''s mtime%' OR n.note LIKE '%UTC date from the file''s mtime%'))
                THEN 'file_mtime'
            WHEN EXISTS (SELECT 1 FROM ingest_notes n WHERE n.file_id = ingested_files.file_id
                         AND (n.note LIKE '%(--start)%' OR n.note LIKE '%UTC date from --start%'))
                THEN 'receiver_clock_anchored'
            WHEN format IN ('jsonl', 'sbs', 'readsb-aircraft', 'readsb-trace', 'opensky-csv', 'opensky-parquet',
                            'traffic-json') OR format LIKE 'notam-%' THEN 'absolute'
            ELSE NULL END
        WHERE time_basis IS NULL
        """,
        "UPDATE ingested_files SET time_anchor_from = CASE time_basis WHEN 'file_mtime' THEN 'mtime' "
        "WHEN 'receiver_clock_anchored' THEN 'option' WHEN 'absolute' THEN 'data' ELSE NULL END "
        "WHERE time_anchor_from IS NULL",
    ),
    # 8 -> 9: regions side by side (issue 12, item 2). Claims, appearances and sources are derived per region
    # (each region's claims from its own events), so they are keyed by (region, id); being derived state they
    # are recreated empty and rebuilt by the next claims refresh ('airpicture run', 'airpicture claims
    # refresh'). Event ids now include the region (model.events.Event.event_id): the stored events (derived
    # from positions and NOTAMs, and possibly relabelled by another region's run) are deleted with the
    # driver's per-day coverage records, so the next 'airpicture run' of each region detects its days again.
    # The verification log and judgments keep their rows and gain the region (NULL: made before this version).
    (
        "DELETE FROM events",
        "DELETE FROM day_aggregates WHERE detector = 'coverage'",
        "DROP TABLE IF EXISTS claims",
        """
        CREATE TABLE claims (
            region VARCHAR NOT NULL,
            claim_id VARCHAR NOT NULL,
            event_type VARCHAR NOT NULL,
            subject VARCHAR NOT NULL,
            place_name VARCHAR,
            lat_deg DOUBLE,
            lon_deg DOUBLE,
            start_ts TIMESTAMPTZ NOT NULL,
            end_ts TIMESTAMPTZ NOT NULL,
            status VARCHAR NOT NULL,
            support VARCHAR NOT NULL,
            credibility INTEGER,
            independent_roots INTEGER NOT NULL,
            echo_count INTEGER NOT NULL,
            sensor_check VARCHAR NOT NULL,
            coverage_fraction DOUBLE,
            body VARCHAR NOT NULL,
            PRIMARY KEY (region, claim_id)
        )
        """,
        "DROP TABLE IF EXISTS appearances",
        """
        CREATE TABLE appearances (
            region VARCHAR NOT NULL,
            appearance_id VARCHAR NOT NULL,
            body VARCHAR NOT NULL,
            PRIMARY KEY (region, appearance_id)
        )
        """,
        "DROP TABLE IF EXISTS sources",
        """
        CREATE TABLE sources (
            region VARCHAR NOT NULL,
            source_id VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            name VARCHAR NOT NULL,
            reliability VARCHAR NOT NULL,
            suggested VARCHAR NOT NULL,
            analyst_grade VARCHAR,
            confirmed INTEGER NOT NULL,
            refuted INTEGER NOT NULL,
            PRIMARY KEY (region, source_id)
        )
        """,
        "ALTER TABLE verification_events ADD COLUMN IF NOT EXISTS region VARCHAR",
        "ALTER TABLE judgments ADD COLUMN IF NOT EXISTS region VARCHAR",
    ),
    # 9 -> 10: source protection of report imports (issue 19; docs/source-protection.md). Delivered report
    # exports were stored by their path (folder and file names can name the sender) with an exact time:
    # replace the path by its label (reports/report-<12 hex>.<ext>), the failure message (it held the path)
    # by a fixed text, and every time about a report import by its hour; report times to the whole minute.
    (
        """
        UPDATE inbox_files SET
            path = 'reports/report-' || substr(sha256, 1, 12)
                || CASE WHEN lower(path) LIKE '%.json' THEN '.json'
                        WHEN lower(path) LIKE '%.csv' THEN '.csv' ELSE '' END,
            taken_at = to_timestamp(floor(epoch(taken_at) / 3600) * 3600),
            outcome = CASE WHEN outcome = 'ok' THEN 'ok' ELSE 'failed: (message withheld: it named the file)' END
        WHERE kind = 'reports'
        """,
        "UPDATE verification_events SET at_ts = to_timestamp(floor(epoch(at_ts) / 3600) * 3600)",
        "UPDATE reports SET observed_at = to_timestamp(floor(epoch(observed_at) / 60) * 60)",
    ),
    # 10 -> 11: stage completion records (issue 19, item 8): what each stage of 'airpicture run' finished, and
    # from which inputs (a fingerprint), written in the same transaction as the stage's output (store/stages.py).
    (
        """
        CREATE TABLE IF NOT EXISTS stage_done (
            stage VARCHAR NOT NULL,               -- tracks | detect | detect_notams | claims
            scope VARCHAR NOT NULL,               -- '' (tracks), '<region>' (claims) or '<region>/<YYYY-MM-DD>'
            inputs VARCHAR NOT NULL,              -- SHA-256 fingerprint of the inputs the output was made from
            done_at TIMESTAMPTZ,                  -- when (NULL: written by a command without a clock)
            PRIMARY KEY (stage, scope)
        )
        """,
    ),
    # 11 -> 12: the alert outbox (issue 15; docs/alerts.md): one row per (alert, channel) with its delivery state.
    (
        """
        CREATE TABLE IF NOT EXISTS alert_outbox (
            alert_id VARCHAR NOT NULL,            -- SHA-256 of (rule, subject, window start): stable across reruns
            channel VARCHAR NOT NULL,             -- webhook | ntfy | mqtt | email | atom | telegram | mastodon
            rule VARCHAR NOT NULL,
            subject VARCHAR NOT NULL,             -- the cooldown key (address, NOTAM id, '*digest*' ...)
            window_start TIMESTAMPTZ NOT NULL,
            created_at TIMESTAMPTZ NOT NULL,
            state VARCHAR NOT NULL,               -- pending | sent | error | stale | suppressed | awaiting_approval
            attempts INTEGER NOT NULL,
            next_try TIMESTAMPTZ NOT NULL,        -- not before (quiet hours, delay, backoff, Retry-After)
            last_error VARCHAR,
            sent_at TIMESTAMPTZ,
            remote_id VARCHAR,                    -- the service's id of the post (status id, message id ...)
            body VARCHAR NOT NULL,                -- JSON: the alert (title, sentences, status, evidence, refs ...)
            PRIMARY KEY (alert_id, channel)
        )
        """,
    ),
    # 12 -> 13: analyst API keys of 'airpicture serve' (issue 17; docs/web.md): only a SHA-256 of each random
    # key is stored, with a label the analyst chose, its scope and when it was made or revoked (whole hours).
    (
        """
        CREATE TABLE IF NOT EXISTS api_keys (
            key_id VARCHAR PRIMARY KEY,           -- first 8 characters of the key: names it in 'serve keys list'
            key_sha256 VARCHAR NOT NULL UNIQUE,   -- SHA-256 hex of the whole key; the key itself is never stored
            label VARCHAR NOT NULL,               -- what the key is for (free text chosen by the admin)
            scope VARCHAR NOT NULL,               -- read | write | admin
            created_at TIMESTAMPTZ,               -- to the hour
            revoked_at TIMESTAMPTZ                -- to the hour; NULL while the key works
        )
        """,
    ),
    # 13 -> 14: live monitoring (issue 14; docs/live.md, docs/source-protection.md). Live streams and their
    # flushes (the crash-safe, idempotent write protocol), per-feed counters, and the live status of events.
    # Feeds are named by their label (kind + hash of the URL), receivers by their keyed pseudonym: no host,
    # no address, no receiver name in clear.
    (
        """
        CREATE TABLE IF NOT EXISTS live_streams (
            stream_id VARCHAR PRIMARY KEY,        -- ingest's file_id for a replay; a hash for a connection
            feed VARCHAR NOT NULL,                -- the feed's label (kind + hash of its URL)
            receiver VARCHAR,                     -- keyed pseudonym
            batches BIGINT NOT NULL,              -- batches of the stream stored (the restart cursor)
            parts INTEGER NOT NULL,               -- Parquet parts written
            ended BOOLEAN NOT NULL                -- the stream ended and was recorded in ingested_files
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS live_flushes (
            stream_id VARCHAR NOT NULL,
            part INTEGER NOT NULL,                -- the part number (positions part-<stream_id[:20]>-<part>)
            batches_end BIGINT NOT NULL,          -- the stream's batch count once this part is stored
            state VARCHAR NOT NULL,               -- writing | done
            PRIMARY KEY (stream_id, part)
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS live_feeds (
            feed VARCHAR PRIMARY KEY,             -- label (kind + hash of the URL)
            receiver VARCHAR,                     -- keyed pseudonym
            counters JSON NOT NULL,               -- FeedCounters (frames, frames/s, aircraft, lag, drops, ...)
            updated_at TIMESTAMPTZ
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS live_events (
            region VARCHAR NOT NULL,
            event_key VARCHAR NOT NULL,           -- detector, type, subjects and start: stable while it grows
            event_id VARCHAR NOT NULL,            -- the current events.event_id
            status VARCHAR NOT NULL,              -- provisional | closed | retracted
            first_emitted_at TIMESTAMPTZ,
            updated_at TIMESTAMPTZ,
            event JSON NOT NULL,                  -- the event as last emitted
            PRIMARY KEY (region, event_key)
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS live_service (
            key VARCHAR PRIMARY KEY,              -- started_at | stopped_at | last_event | state
            value VARCHAR
        )
        """,
    ),
)

SCRUB_MIGRATIONS = frozenset({9})
"""Indexes of the migrations that overwrite or delete identifying data (9: 9 -> 10). Run on a stored database,
each is followed by a rewrite into a fresh file (``store.compact``): DuckDB keeps old values in freed pages."""

SCHEMA_VERSION = len(MIGRATIONS)
"""The schema version this airpicture writes and reads."""
