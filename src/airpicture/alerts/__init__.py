"""Alerts: events and judgments → alerts (rules, cooldowns, digests, message text; pure) and their channels.

``alerts/`` imports only ``model``; ``alerts/channels/`` sends (HTTP, MQTT, SMTP, a feed file) and imports only
``model`` and ``alerts``. The pipeline (``pipeline/alerts.py``) gathers candidates from the workspace, keeps the
outbox and calls the channels. See docs/alerts.md.
"""
