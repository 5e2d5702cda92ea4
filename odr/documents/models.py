"""An issued document: a final PDF, stored by its SHA-256, with the data it was rendered from.

The immutability rule: an issued document never changes. Its bytes live in content-addressed
storage and are served as stored, never rendered again. A correction is a new version of the same
type and language, issued by `operations.issue_document`, which in the same transaction marks the
previous version superseded (`superseded_by_id`, `superseded_at`): those two columns are the only
ones that may ever be written after insert, and only once, from empty. A listener refuses any
other update and every delete.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.models import UTCDateTime, str_enum, utcnow
from ..extensions import db


class DocumentType(StrEnum):
    APPLICATION = "application"  # 调解申请书
    ACCEPTANCE_NOTICE = "acceptance_notice"  # 受理通知书
    EVALUATION_REPORT = "evaluation_report"  # 评估报告
    MEDIATION_RECORD = "mediation_record"  # 调解笔录
    SETTLEMENT_AGREEMENT = "settlement_agreement"  # 人民调解协议书
    CONFIRMATION_APPLICATION = "confirmation_application"  # 司法确认申请书
    REFERRAL_LETTER = "referral_letter"  # 移送函
    PROOF_OF_SERVICE = "proof_of_service"  # 送达回证
    CONFIRMATION_RULING = "confirmation_ruling"  # 民事裁定书: the court confirms or dismisses (odr/confirmation)


# The columns a correction writes on the version it replaces; nothing else is ever updated.
SUPERSEDE_COLUMNS = frozenset({"superseded_by_id", "superseded_at"})


class Document(db.Model):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    type: Mapped[DocumentType] = mapped_column(str_enum(DocumentType))
    lang: Mapped[str] = mapped_column(String(10))
    # 1, 2, ... for each (case, type, language): a correction is the next version.
    version: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    # Stored without dashes (see codes.py); printed on every page and encoded in the QR code.
    verification_code: Mapped[str] = mapped_column(String(12), unique=True)
    # Exactly the data the template was given: what the paper says, as JSON.
    inputs: Mapped[dict] = mapped_column(JSON)
    template: Mapped[str] = mapped_column(String(100))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    case = relationship("Case", lazy="raise")
    issued_by = relationship("User", lazy="raise")
    superseded_by: Mapped[Document | None] = relationship(remote_side=[id], lazy="raise")

    __table_args__ = (
        # Also the index for "the documents of a case (of a type, in a language)".
        UniqueConstraint("case_id", "type", "lang", "version", name="uq_documents_version"),
        db.CheckConstraint("version >= 1", name="version_positive"),
        db.CheckConstraint("size > 0", name="not_empty"),
        db.CheckConstraint("length(sha256) = 64", name="sha256_hex"),
        db.CheckConstraint("length(verification_code) = 12", name="code_length"),
        db.CheckConstraint(
            "(superseded_by_id IS NULL) = (superseded_at IS NULL)", name="superseded_together"
        ),
    )

    @property
    def is_current(self) -> bool:
        return self.superseded_by_id is None

    def __repr__(self) -> str:
        return f"<Document {self.id} {self.type} v{self.version} {self.lang}>"


class ImmutableDocument(RuntimeError):
    """Raised when code tries to change or delete an issued document."""


@event.listens_for(Document, "before_update")
def _only_supersede(mapper, connection, target):
    state = inspect(target)
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if not history.has_changes():
            continue
        if attr.key not in SUPERSEDE_COLUMNS or any(v is not None for v in history.deleted):
            raise ImmutableDocument(
                f"document {target.id} is final: {attr.key} cannot change (issue a new version)"
            )


@event.listens_for(Document, "before_delete")
def _never_delete(mapper, connection, target):
    raise ImmutableDocument(f"document {target.id} is final and cannot be deleted")


class ServiceMethod(StrEnum):
    ELECTRONIC = "electronic"  # 电子送达: the party opened the paper online
    IN_PERSON = "in_person"  # 直接送达: handed over, recorded by the clerk
    POST = "post"  # 邮寄送达: sent by post, recorded by the clerk


class DocumentService(db.Model):
    """One service (送达) of an issued document on one recipient.

    Electronic service is recorded by the system the first time a party (or its representative)
    downloads the paper: once per party and document (a partial unique index). Paper service is
    recorded by a clerk, with the date, method, recipient and a note. The proof of service
    (送达回证) is issued from these facts.
    """

    __tablename__ = "document_services"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    recipient_name: Mapped[str] = mapped_column(String(120))
    method: Mapped[ServiceMethod] = mapped_column(str_enum(ServiceMethod, length=16))
    served_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Electronic service: the moment the party opened the paper and from where.
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    read_ip: Mapped[str | None] = mapped_column(String(45))
    note: Mapped[str] = mapped_column(String(500), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    document = relationship("Document", lazy="raise")

    __table_args__ = (
        db.Index(
            "uq_document_services_electronic", "document_id", "party_id", unique=True,
            sqlite_where=db.text("method = 'electronic'"),
            postgresql_where=db.text("method = 'electronic'"),
        ),
    )
