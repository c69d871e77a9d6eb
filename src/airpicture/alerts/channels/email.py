"""E-mail over SMTP with STARTTLS (``smtplib``): plain-text body, ``Message-ID`` derived from the alert id so a
resent alert threads with (and can be de-duplicated against) the first."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from airpicture.alerts.channels import SendResult
from airpicture.alerts.message import Message


@dataclass(frozen=True, slots=True)
class EmailChannel:
    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    username: str = ""
    password: str = ""
    starttls: bool = True
    ca_file: Path | None = None
    timeout_s: float = 10.0
    name: str = "email"
    max_chars: int | None = None
    takes_images: bool = True

    def compose(self, message: Message) -> EmailMessage:
        mail = EmailMessage()
        mail["Subject"] = message.title
        mail["From"] = self.sender
        mail["To"] = ", ".join(self.recipients)
        domain = self.sender.rpartition("@")[2] or "airpicture.invalid"
        mail["Message-ID"] = f"<{message.alert_id}@{domain}>"
        mail.set_content(message.text)
        if message.png is not None:
            mail.add_attachment(message.png, maintype="image", subtype="png", filename="map.png")
        return mail

    def send(self, message: Message) -> SendResult:
        if not self.recipients:
            return SendResult(False, "no recipients (alerts.channels.email.recipients)", permanent=True)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
                smtp.ehlo()
                if self.starttls:
                    if not smtp.has_extn("starttls"):
                        return SendResult(False, f"{self.host} does not offer STARTTLS", permanent=True)
                    context = ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)
                    smtp.starttls(context=context)
                    smtp.ehlo()
                if self.username:
                    smtp.login(self.username, self.password)
                smtp.send_message(self.compose(message))
        except smtplib.SMTPResponseException as exc:
            return SendResult(False, f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", permanent=exc.smtp_code >= 500)
        except (OSError, smtplib.SMTPException) as exc:
            return SendResult(False, f"SMTP {self.host}:{self.port}: {exc}")
        return SendResult(True, remote_id=message.alert_id)
