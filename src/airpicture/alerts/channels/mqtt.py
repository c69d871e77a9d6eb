"""MQTT: one topic per rule (``<topic_prefix>/<rule>``), QoS 1, the alert as JSON (the event in the API's event
schema under ``event``). Uses paho-mqtt; the publish waits for the broker's PUBACK before it counts as sent."""

from __future__ import annotations

import json
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from airpicture.alerts.channels import SendResult
from airpicture.alerts.message import Message


def topic_for(prefix: str, rule: str) -> str:
    """``<prefix>/<rule>`` with MQTT wildcards and separators in the rule name replaced by ``_``."""
    safe = "".join("_" if ch in "#+/\x00" else ch for ch in rule)
    return f"{prefix.rstrip('/')}/{safe}"


@dataclass(frozen=True, slots=True)
class MqttChannel:
    host: str
    port: int = 1883
    topic_prefix: str = "airpicture/alerts"
    username: str = ""
    password: str = ""
    timeout_s: float = 10.0
    name: str = "mqtt"
    max_chars: int | None = None
    takes_images: bool = False

    def send(self, message: Message) -> SendResult:
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="", clean_session=True)
        if self.username:
            client.username_pw_set(self.username, self.password)
        body = json.dumps(message.data, ensure_ascii=False, sort_keys=True)
        try:
            client.connect(self.host, self.port, keepalive=30)
            client.loop_start()
            try:
                info = client.publish(topic_for(self.topic_prefix, message.rule), body, qos=1)
                info.wait_for_publish(timeout=self.timeout_s)
                if not info.is_published():
                    return SendResult(False, f"no PUBACK from {self.host}:{self.port} within {self.timeout_s:g} s")
            finally:
                client.disconnect()
                client.loop_stop()
        except (OSError, ValueError, RuntimeError) as exc:
            return SendResult(False, f"MQTT {self.host}:{self.port}: {exc}")
        return SendResult(True, remote_id=str(info.mid))
