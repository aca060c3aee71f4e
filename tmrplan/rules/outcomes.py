"""What a flag's code sets on an option (donor status, strength-loss risk), and their orders.

The codes are how rule cards speak (``then.code: donor_status.partial``); the orders say which of
two disagreeing cards is the more conservative reading.
"""

from __future__ import annotations

from tmrplan.model import DonorStatus, Risk

STATUS_ORDER: dict[DonorStatus, int] = {
    DonorStatus.REDUNDANT: 0,
    DonorStatus.PARTIAL: 1,
    DonorStatus.FUNCTIONAL: 2,
    DonorStatus.UNKNOWN: 3,
}
RISK_ORDER: dict[Risk, int] = {
    Risk.NONE: 0,
    Risk.LOW: 1,
    Risk.MODERATE: 2,
    Risk.HIGH: 3,
    Risk.UNKNOWN: 4,
}
# Where two status rules disagree, the more conservative reading wins (and both flags are shown).
# "unknown" is a code too: a card may say outright that the case leaves the value open (which
# digits were lost), which is an answer, where no card firing at all is a gap in the rules.
STATUS_CODES: dict[str, DonorStatus] = {"donor_status." + s.value: s for s in DonorStatus}
RISK_CODES: dict[str, Risk] = {"strength_loss." + r.value: r for r in Risk}
