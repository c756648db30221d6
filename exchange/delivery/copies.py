"""A buyer's copy of a version: decrypted, its personal columns in the forms the contract
states, and fingerprinted with the entitlement's key. Downloads serve it as a file and the
data API as rows, so both carry the same marks and the same personal-information policy."""

from __future__ import annotations

import hashlib
from functools import partial

from exchange.catalog import personal_data
from exchange.catalog.datafiles import DataFiles
from exchange.catalog.ingest.masking import ColumnForm
from exchange.catalog.models import DataProduct, ProductVersion
from exchange.delivery import fingerprint
from exchange.delivery.fingerprint import desensitise
from exchange.delivery.models import Entitlement
from exchange.delivery.ports import PaidContract
from exchange.storage import CipherMode


def delivered_forms(
    product: DataProduct, version: ProductVersion, contract: PaidContract
) -> dict[str, ColumnForm]:
    """Each personal column's form as the contract states it (raw only where approved); a
    contract from before forms were stated promised desensitised data, so it gets no raw."""
    stated = personal_data.stated_forms(contract.canonical)
    approved = personal_data.approved_raw(product) if stated is not None else frozenset()
    return personal_data.delivered_forms(version.fields, approved, stated)


def forms_digest(forms: dict[str, ColumnForm]) -> str:
    """Names the forms a copy was made with, so a cached copy is not served after they change."""
    text = "|".join(f"{column}={form.form.value}" for column, form in sorted(forms.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def buyer_copy(
    files: DataFiles,
    product: DataProduct,
    version: ProductVersion,
    entitlement: Entitlement,
    contract: PaidContract,
) -> fingerprint.Marked:
    """The version as this buyer receives it, in the version's own format."""
    mode = CipherMode(product.cipher_mode)
    data_key = files.keys.unwrap(product.wrapped_key, mode)
    plain = b"".join(files.store.open(version.object_key, data_key, mode))
    forms = delivered_forms(product, version, contract)
    key = files.keys.pseudonym_key(contract.buyer_id)
    return fingerprint.fingerprint(
        plain,
        version.file_name,
        entitlement.fingerprint_key,
        prepare=partial(desensitise.changes, forms=forms, key=key),
    )


def fingerprint_id(key: bytes, version: int) -> str:
    """What the download log names a copy's fingerprint by: never the key itself."""
    return hashlib.sha256(key + version.to_bytes(4, "big")).hexdigest()
