"""The only place that wires stages together. The doors (CLI, web) call these functions."""
