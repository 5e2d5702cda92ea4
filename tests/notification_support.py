"""Helpers for the notification and invitation tests: a local SMTP server and invitation links."""

from __future__ import annotations

import re
import socket

from sqlalchemy import select

from odr.cases import operations as case_ops
from odr.core.enums import CaseState, Side
from odr.extensions import db
from odr.notifications.models import OutboxMessage

from .foundation_support import build_case

LINK = re.compile(r"/invite/([A-Za-z0-9_\-]+)")


class SmtpSink:
    """aiosmtpd on 127.0.0.1 that keeps what it receives."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.envelopes.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def outbox(**where) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    for name, value in where.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return list(db.session.execute(query).scalars())


def invited_case(world, *, email="li.si@example.test", phone="13800000000", mediator=True):
    """A case whose respondent has no account, invited by the clerk; returns (case, party, token)."""
    case = build_case(world, CaseState.EVALUATION, link_respondent=False, mediator=mediator)
    party = case.parties_on(Side.RESPONDENT)[0]
    party.email, party.phone = email, phone
    case_ops.transition(case, "invite_respondent", world.clerk)
    db.session.commit()
    sms = outbox(channel="sms", kind="invitation", case_id=case.id) or outbox(
        channel="email", kind="invitation", case_id=case.id)
    token = LINK.search(sms[-1].body).group(1)
    return case, party, token
