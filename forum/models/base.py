"""Column helpers shared by the models."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time in UTC, naive, as every timestamp is stored."""
    return datetime.now(UTC).replace(tzinfo=None)
