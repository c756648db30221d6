"""Double-entry escrow: every movement of a buyer's money is a balanced journal of postings.

Accounts: the money received from each buyer (debit-normal), the escrow the exchange holds,
what it owes each vendor, and its fee revenue (credit-normal). A payment moves the price from
the buyer's funds into escrow; a release pays the vendor the price less the fee and books the
fee; a refund returns the price to the buyer. Each journal happens at most once per contract
(a unique index) and no balance goes below zero (a CHECK in the database, which has the last
word even under concurrency).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import NotRequired, Protocol, TypedDict

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from exchange.accounts.names import PartyName
from exchange.kernel.errors import Conflict
from exchange.kernel.i18n import N_
from exchange.kernel.models import utcnow
from exchange.payments.domain import CENT, DEBIT_NORMAL, AccountKind, JournalKind, fee_of
from exchange.payments.models import EscrowAccount, EscrowJournal, EscrowPosting

ZERO = Decimal("0.00")
PER_ORGANISATION = frozenset({AccountKind.BUYER, AccountKind.VENDOR_PAYABLE})


class EscrowedContract(Protocol):
    """What escrow reads of a trade contract, so payments need not import trading."""

    @property
    def id(self) -> int: ...
    @property
    def number(self) -> str: ...
    @property
    def price(self) -> Decimal: ...
    @property
    def fee_rate(self) -> Decimal: ...
    @property
    def buyer_id(self) -> int: ...
    @property
    def vendor_id(self) -> int: ...


class EscrowRefused(Conflict):
    code = "escrow-refused"
    title = N_("The escrow ledger refused that movement")


@dataclass(frozen=True)
class Line:
    """One posting to be made: a debit or a credit (never both) to an account."""

    account: EscrowAccount
    debit: Decimal = ZERO
    credit: Decimal = ZERO


@dataclass(frozen=True)
class TrialBalance:
    """Debit-normal against credit-normal balances, and accounts whose postings disagree."""

    debit_normal: Decimal
    credit_normal: Decimal
    mismatched: tuple[int, ...]

    @property
    def balanced(self) -> bool:
        """True when both sides agree and every balance is the sum of its postings."""
        return self.debit_normal == self.credit_normal and not self.mismatched


def account(
    session: Session, kind: AccountKind, organisation_id: int | None = None
) -> EscrowAccount:
    """The account of this kind (per organisation for buyers and vendors), made on first use."""
    if (kind in PER_ORGANISATION) != (organisation_id is not None):
        raise ValueError(
            f"{kind} accounts {'need' if kind in PER_ORGANISATION else 'take no'} organisation"
        )
    owner = (
        EscrowAccount.organisation_id == organisation_id
        if organisation_id is not None
        else EscrowAccount.organisation_id.is_(None)
    )
    query = select(EscrowAccount).where(EscrowAccount.kind == kind, owner)
    found = session.scalars(query).first()
    if found is not None:
        return found
    try:  # a concurrent first trade may make the same account: the unique indexes keep one
        with session.begin_nested():
            found = EscrowAccount(kind=kind, organisation_id=organisation_id, balance=ZERO)
            session.add(found)
    except IntegrityError:
        found = session.scalars(query).one()
    return found


def _change(kind: AccountKind, line: Line) -> Decimal:
    """How a posting moves a balance: up on the account's normal side, down on the other."""
    return line.debit - line.credit if kind in DEBIT_NORMAL else line.credit - line.debit


def _check(lines: Sequence[Line]) -> None:
    for line in lines:
        for amount in (line.debit, line.credit):
            if amount < 0 or amount != amount.quantize(CENT):
                raise ValueError(f"a posting takes fen, never negative: {amount}")
        if (line.debit > 0) == (line.credit > 0):
            raise ValueError("a posting is a debit or a credit, not both or neither")
    debits = sum((line.debit for line in lines), ZERO)
    credits = sum((line.credit for line in lines), ZERO)
    if debits != credits or debits == 0:
        raise ValueError(f"a journal must balance: debits {debits}, credits {credits}")


def post(
    session: Session,
    contract: EscrowedContract,
    kind: JournalKind,
    lines: Sequence[Line],
    memo: str,
    *,
    ledger_seq: int | None = None,
    now: datetime | None = None,
) -> EscrowJournal:
    """Write one balanced journal, dated `now`, and move the balances; refuse a repeat or a
    negative balance."""
    _check(lines)  # an unbalanced journal is a bug, not a user's mistake: it fails loudly
    journal = EscrowJournal(
        contract_id=contract.id,
        kind=kind,
        memo=memo,
        ledger_seq=ledger_seq,
        created_at=now or utcnow(),
    )
    session.add(journal)
    try:
        session.flush()
    except IntegrityError:
        raise EscrowRefused(
            N_("This contract's %(kind)s has already been posted to escrow."), kind=kind.value
        ) from None
    for line in lines:
        session.add(
            EscrowPosting(
                journal_id=journal.id,
                account_id=line.account.id,
                debit=line.debit,
                credit=line.credit,
            )
        )
    # In account order, so two journals touching the same accounts never deadlock; as an
    # UPDATE … SET balance = balance + change, so concurrent postings never lose one another.
    for line in sorted(lines, key=lambda line: line.account.id):
        try:
            session.execute(
                update(EscrowAccount)
                .where(EscrowAccount.id == line.account.id)
                .values(balance=EscrowAccount.balance + _change(line.account.kind, line))
                .execution_options(synchronize_session=False)
            )
        except IntegrityError:
            raise EscrowRefused(
                N_("That would take an escrow account below zero; nothing was posted.")
            ) from None
        session.expire(line.account, ["balance"])
    return journal


def post_payment(
    session: Session,
    contract: EscrowedContract,
    *,
    ledger_seq: int | None,
    now: datetime | None = None,
) -> EscrowJournal:
    """The buyer's price arrives: Dr buyer funds, Cr escrow."""
    price = contract.price
    return post(
        session,
        contract,
        JournalKind.PAYMENT,
        [
            Line(account(session, AccountKind.BUYER, contract.buyer_id), debit=price),
            Line(account(session, AccountKind.ESCROW), credit=price),
        ],
        f"Payment for contract {contract.number}",
        ledger_seq=ledger_seq,
        now=now,
    )


def post_release(
    session: Session,
    contract: EscrowedContract,
    *,
    ledger_seq: int | None,
    now: datetime | None = None,
) -> EscrowJournal:
    """Settlement: Dr escrow the price, Cr the vendor the price less the fee, Cr fee revenue."""
    price = contract.price
    fee = fee_of(price, contract.fee_rate)
    lines = [
        Line(account(session, AccountKind.ESCROW), debit=price),
        Line(account(session, AccountKind.VENDOR_PAYABLE, contract.vendor_id), credit=price - fee),
        Line(account(session, AccountKind.FEE_REVENUE), credit=fee),
    ]
    return post(
        session,
        contract,
        JournalKind.RELEASE,
        [line for line in lines if line.debit or line.credit],  # no zero postings
        f"Release of contract {contract.number} (fee {fee})",
        ledger_seq=ledger_seq,
        now=now,
    )


def post_refund(
    session: Session,
    contract: EscrowedContract,
    *,
    ledger_seq: int | None,
    now: datetime | None = None,
) -> EscrowJournal:
    """The price goes back: Dr escrow, Cr buyer funds."""
    price = contract.price
    return post(
        session,
        contract,
        JournalKind.REFUND,
        [
            Line(account(session, AccountKind.ESCROW), debit=price),
            Line(account(session, AccountKind.BUYER, contract.buyer_id), credit=price),
        ],
        f"Refund of contract {contract.number}",
        ledger_seq=ledger_seq,
        now=now,
    )


class AccountBalance(TypedDict):
    """An escrow account and its balance (kind as its value)."""

    id: int
    kind: str
    organisation_id: int | None
    balance: Decimal


class PostingView(TypedDict):
    """One side of a journal entry; the regulators' dossier names its account after the fact."""

    account_id: int
    debit: Decimal
    credit: Decimal
    account_kind: NotRequired[str]
    organisation: NotRequired[PartyName | None]


class JournalView(TypedDict):
    """A contract's journal entry with its postings (kind as its value)."""

    kind: str
    memo: str
    ledger_seq: int | None
    postings: list[PostingView]


def balances(session: Session) -> list[AccountBalance]:
    """Every account with its balance, by kind then organisation."""
    rows = session.scalars(
        select(EscrowAccount).order_by(EscrowAccount.kind, EscrowAccount.organisation_id)
    )
    return [
        AccountBalance(
            id=row.id,
            kind=row.kind.value,
            organisation_id=row.organisation_id,
            balance=row.balance,
        )
        for row in rows
    ]


def trial_balance(session: Session) -> TrialBalance:
    """Σ debit-normal against Σ credit-normal balances, and each balance against its postings."""
    debit_normal = credit_normal = ZERO
    for row in balances(session):
        if AccountKind(row["kind"]) in DEBIT_NORMAL:
            debit_normal += row["balance"]
        else:
            credit_normal += row["balance"]
    sums = session.execute(
        select(
            EscrowAccount.id,
            EscrowAccount.kind,
            EscrowAccount.balance,
            func.coalesce(func.sum(EscrowPosting.debit), 0),
            func.coalesce(func.sum(EscrowPosting.credit), 0),
        )
        .outerjoin(EscrowPosting, EscrowPosting.account_id == EscrowAccount.id)
        .group_by(EscrowAccount.id, EscrowAccount.kind, EscrowAccount.balance)
    )
    mismatched = []
    for account_id, kind, balance, debits, credits in sums:
        debits, credits = Decimal(debits), Decimal(credits)
        expected = debits - credits if kind in DEBIT_NORMAL else credits - debits
        if expected != balance:
            mismatched.append(account_id)
    return TrialBalance(debit_normal, credit_normal, tuple(sorted(mismatched)))


def journal_of(session: Session, contract_id: int) -> list[JournalView]:
    """A contract's journals with their postings, oldest first."""
    journals = session.scalars(
        select(EscrowJournal)
        .where(EscrowJournal.contract_id == contract_id)
        .order_by(EscrowJournal.id)
    )
    return [
        JournalView(
            kind=journal.kind.value,
            memo=journal.memo,
            ledger_seq=journal.ledger_seq,
            postings=[
                PostingView(account_id=p.account_id, debit=p.debit, credit=p.credit)
                for p in journal.postings
            ],
        )
        for journal in journals
    ]
