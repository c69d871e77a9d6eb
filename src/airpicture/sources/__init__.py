"""Stage: ADS-B/Mode S, NOTAM and report readers: bytes in, typed records out. May import model."""
