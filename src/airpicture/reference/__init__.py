"""Reference data shipped in the package: borders, airfields, aircraft of interest, ICAO blocks, regions. May import model."""
