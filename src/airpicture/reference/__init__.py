"""Reference data shipped in the package: borders, airfields, aircraft, ICAO blocks, regions. May import model."""
