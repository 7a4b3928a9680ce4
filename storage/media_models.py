"""Tables of a draft's images: each revision lists its images in order; bytes are kept once by sha256."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class MediaBlob(Base):
    """A cleaned image (our own re-encoding, never the uploaded file), addressed by its sha256."""

    __tablename__ = "media_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    mime: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class DraftMedia(Base):
    """Image `position` (0-based) of one revision of a draft, with its alt text and where it came from."""

    __tablename__ = "draft_media"
    __table_args__ = (
        UniqueConstraint("draft_id", "revision", "position"),
        Index("ix_draft_media_draft_revision", "draft_id", "revision"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"))
    revision: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(ForeignKey("media_blobs.sha256"))
    name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    alt: Mapped[str] = mapped_column(Text, default="", server_default="")
    source: Mapped[str] = mapped_column(String(16))  # MediaSource
    source_ref: Mapped[str | None] = mapped_column(String(200))  # a Slack file id, or the URL
    added_by: Mapped[str] = mapped_column(String(32))
    added_at: Mapped[datetime] = mapped_column(DateTime)
