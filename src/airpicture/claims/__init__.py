"""Stage: reports, events and appearances to claims with provenance and grades. May import model, reference."""
