"""airpicture: an independent, sourced picture of military air activity over a region.

The package is laid out one folder per pipeline stage (see ``docs/architecture.md``). Importing it does
no work: no files are read, no settings loaded, no clocks consulted.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
