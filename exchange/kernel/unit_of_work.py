"""A unit of work: everything inside commits together or not at all."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session


class UnitOfWork:
    """Wraps a session; leaving the block without commit() rolls back."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.session.rollback()

    def commit(self) -> None:
        """Make the work durable."""
        self.session.commit()
