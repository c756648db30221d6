"""Bank transfer, the default gateway: the buyer transfers the price quoting a reference, and an
operator confirms receipt against the exchange's bank statement."""

from __future__ import annotations

from dataclasses import dataclass

from exchange.payments.domain import Gateway
from exchange.payments.gateways import Charge, Collection, RefundRequest, RefundResult


@dataclass(frozen=True)
class BankTransferGateway:
    """Instructions to pay into the exchange's account; no external system to call."""

    account_name: str
    bank_name: str
    account_number: str
    kind: Gateway = Gateway.BANK_TRANSFER

    def collect(self, charge: Charge) -> Collection:
        """The instructions the buyer follows at their bank."""
        return Collection(
            external_id=None,
            instructions={
                "account_name": self.account_name,
                "bank_name": self.bank_name,
                "account_number": self.account_number,
                "amount": f"{charge.amount:.2f}",
                "currency": charge.currency,
                "reference": charge.reference,
            },
        )

    def resume(self, charge: Charge, external_id: str | None) -> Collection:
        """The same instructions again."""
        return self.collect(charge)

    def refund(self, request: RefundRequest) -> RefundResult:
        """An operator pays the buyer back by transfer; the exchange records it as owed."""
        return RefundResult(external_id=None, status="pending_transfer")

    def captured(self, external_id: str) -> bool:
        """A transfer is known to have arrived only when an operator confirms it."""
        return False
