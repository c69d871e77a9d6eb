"""Positions → tracks: per-aircraft segmentation and summaries. May import model and geo."""

from airpicture.tracks.builder import TRACK_COLUMNS, UNUSABLE, build_tracks

__all__ = ["TRACK_COLUMNS", "UNUSABLE", "build_tracks"]
