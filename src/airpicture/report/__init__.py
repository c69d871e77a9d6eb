"""Stage: judgments and facts to daily products (Markdown, HTML, JSON). May import model."""
