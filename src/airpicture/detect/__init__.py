"""Stage: tracks and restrictions to events; one module per detector. May import model, geo, reference."""
