"""Geodesy and vectorised geometry on NumPy arrays. May import model."""
