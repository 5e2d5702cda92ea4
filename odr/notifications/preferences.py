"""What a user does not want by e-mail or SMS (the in-app bell is always on).

Kinds are grouped for the preferences page (GROUPS); a user's row in `notification_opt_outs`
turns one channel of one group off. Some kinds are legally required notices (an invitation to
mediation and its consent deadline, the arrangements of a session, the service of a document):
they go on every channel whatever the preferences say (MANDATORY_KINDS).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from ..core.audit import record
from ..extensions import db

OPTIONAL_CHANNELS = ("email", "sms")

# group -> (label, kind prefixes). A kind belongs to the first group one of whose prefixes it
# starts with; kinds of no group are "other".
GROUPS: dict[str, tuple[object, tuple[str, ...]]] = {
    "case": (_l("Progress of my cases"),
             ("case_", "respondent_", "consent_", "referral_", "confirmation_", "delegation_", "consult_")),
    "mediation": (_l("Mediation sessions and agreements"), ("session_", "mediator_", "performance_", "agreement_")),
    "supervision": (_l("Deadlines, escalations and instructions"), ("clock_", "instruction_", "risk_")),
    "other": (_l("Other messages"), ("",)),
}
# Notices the law requires to reach the person (invitation, consent deadline, session
# arrangements, service of documents): never switched off.
MANDATORY_KINDS = frozenset({
    "invitation", "consent_reminder", "consent_expired", "session_invitation", "session_rescheduled",
    "session_cancelled", "document_served", "confirmation_join",
})


class NotificationOptOut(db.Model):
    """One channel of one group that a user does not want."""

    __tablename__ = "notification_opt_outs"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    kind_group: Mapped[str] = mapped_column(String(20), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10), primary_key=True)

    __table_args__ = (db.CheckConstraint("channel IN ('email', 'sms')", name="opt_out_channel"),)


def group_of(kind: str) -> str:
    for name, (_label, prefixes) in GROUPS.items():
        if any(kind.startswith(prefix) for prefix in prefixes):
            return name
    return "other"


def opted_out(user_id: int) -> set[tuple[str, str]]:
    """{(group, channel)} the user switched off."""
    rows = db.session.execute(
        select(NotificationOptOut.kind_group, NotificationOptOut.channel)
        .where(NotificationOptOut.user_id == user_id)
    ).all()
    return {(group, channel) for group, channel in rows}


def wanted_channels(recipient, kind: str, channels: tuple[str, ...]) -> tuple[str, ...]:
    """`channels` less those the recipient (a user) switched off for the kind's group."""
    user_id = getattr(recipient, "id", None)
    if user_id is None or kind in MANDATORY_KINDS or not (set(channels) & set(OPTIONAL_CHANNELS)):
        return channels
    off = opted_out(user_id)
    if not off:
        return channels
    group = group_of(kind)
    return tuple(c for c in channels if (group, c) not in off)


def save(user, enabled: set[tuple[str, str]]) -> None:
    """Keep exactly `enabled` {(group, channel)} on for `user`; every other pair is off. Audited."""
    wanted_off = {(g, c) for g in GROUPS for c in OPTIONAL_CHANNELS} - set(enabled)
    before = opted_out(user.id)
    if wanted_off == before:
        return
    db.session.execute(delete(NotificationOptOut).where(NotificationOptOut.user_id == user.id))
    db.session.add_all(NotificationOptOut(user_id=user.id, kind_group=g, channel=c) for g, c in sorted(wanted_off))
    db.session.flush()
    record("notification.preferences", actor=user, off=sorted(f"{g}:{c}" for g, c in wanted_off))
