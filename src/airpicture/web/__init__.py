"""The HTTP door: API and dashboard. May import pipeline and store."""
