"""The rights registry's settings as the services receive them, read from the configuration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contracts.certificates import CertificateSigner


@dataclass(frozen=True)
class RightsSettings:
    """How long a notice stands, the largest basis document, and the key that signs."""

    signer: CertificateSigner
    notice_seconds: float
    max_document_bytes: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RightsSettings:
        """Derive the certificate key from the master key and read the registry's limits."""
        return cls(
            signer=CertificateSigner.from_master_key(config["MASTER_KEY"]),
            notice_seconds=float(config["RIGHTS_NOTICE_SECONDS"]),
            max_document_bytes=int(config["RIGHTS_DOCUMENT_MAX_BYTES"]),
        )
