"""Roles, regions and statuses: the closed sets the exchange's records draw from."""

from __future__ import annotations

from enum import StrEnum

from exchange.kernel.i18n import N_


class Role(StrEnum):
    VENDOR = "vendor"
    BUYER = "buyer"
    REGULATOR = "regulator"
    OPERATOR = "operator"


# Roles an organisation can take by registering; the others are granted by an operator.
SELF_SERVICE_ROLES = frozenset({Role.VENDOR, Role.BUYER})

ROLE_LABELS = {
    Role.VENDOR: N_("Vendor"),
    Role.BUYER: N_("Buyer"),
    Role.REGULATOR: N_("Regulator"),
    Role.OPERATOR: N_("Operator"),
}


class VerificationStatus(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


VERIFICATION_LABELS = {
    VerificationStatus.PENDING: N_("Awaiting verification"),
    VerificationStatus.VERIFIED: N_("Verified"),
    VerificationStatus.REJECTED: N_("Rejected"),
}

# The Jiangxi cities and new area named in the provincial plan, plus "other".
REGIONS = {
    "nanchang": N_("Nanchang"),
    "jiujiang": N_("Jiujiang"),
    "jingdezhen": N_("Jingdezhen"),
    "pingxiang": N_("Pingxiang"),
    "xinyu": N_("Xinyu"),
    "yingtan": N_("Yingtan"),
    "ganzhou": N_("Ganzhou"),
    "jian": N_("Ji'an"),
    "yichun": N_("Yichun"),
    "fuzhou": N_("Fuzhou"),
    "shangrao": N_("Shangrao"),
    "ganjiang_new_area": N_("Ganjiang New Area"),
    "other": N_("Outside Jiangxi"),
}

DCMM_LEVELS = (1, 2, 3, 4, 5)
LANGUAGES = ("zh_CN", "en")
