"""Delivery back-ends. Each takes one OutboxMessage and sends it, or raises.

E-mail: SMTP when MAIL_SERVER is set, otherwise the development back-end, which sends nothing:
the outbox row (status `sent`) is the message, shown on /outbox. SMS: SMS_BACKEND names the
adapter ("dev", or "package.module:Class" for a provider's); an adapter is a class with
`send(message)`.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from importlib import import_module

from flask import current_app


class DevBackend:
    """Records only: the outbox row is the delivery."""

    name = "dev"

    def send(self, message) -> None:
        return None


class SmtpEmailBackend:
    name = "smtp"

    def __init__(self, config):
        self.config = config

    def build(self, message) -> EmailMessage:
        mail = EmailMessage()
        mail["Subject"] = message.subject
        mail["From"] = formataddr(("ODR", self.config["MAIL_FROM"]))
        mail["To"] = message.to
        mail["Message-ID"] = make_msgid(domain=self.config["MAIL_FROM"].rpartition("@")[2] or None)
        mail.set_content(message.body)
        if message.body_html:
            mail.add_alternative(message.body_html, subtype="html")
        for item in message.attachments or ():
            maintype, _, subtype = item["content_type"].partition("/")
            mail.add_attachment(item["text"].encode("utf-8"), maintype=maintype, subtype=subtype,
                                filename=item["filename"])
        return mail

    def send(self, message) -> None:
        c = self.config
        with smtplib.SMTP(c["MAIL_SERVER"], int(c["MAIL_PORT"]), timeout=c["MAIL_TIMEOUT"]) as smtp:
            if c["MAIL_USE_TLS"]:
                smtp.starttls()
            if c.get("MAIL_USERNAME"):
                smtp.login(c["MAIL_USERNAME"], c.get("MAIL_PASSWORD") or "")
            smtp.send_message(self.build(message))


def email_backend():
    config = current_app.config
    return SmtpEmailBackend(config) if config.get("MAIL_SERVER") else DevBackend()


def sms_backend():
    spec = current_app.config.get("SMS_BACKEND") or "dev"
    if spec == "dev":
        return DevBackend()
    module, _, name = spec.partition(":")
    return getattr(import_module(module), name)(current_app.config)


def backend_for(channel: str):
    return email_backend() if channel == "email" else sms_backend()
