"""Stage: claims to judgments (hypotheses, Bayesian ACH, ICD 203 wording). May import model."""
