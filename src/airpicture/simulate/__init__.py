"""The scenario simulator: scripted aircraft, receivers, NOTAMs and observer reports, with ground truth.

Everything it writes is labelled simulated. May import model, geo, reference and decode (its Mode S encoder).
"""
