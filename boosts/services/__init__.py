"""Every write of the paid boosts: the budget lines and ad accounts, a request's way through the
approvals, the worker's part on Meta, and the receipts. ``from boosts.services import ...``."""

from .platform import (
    ad_account_check,
    boost_estimate,
    boost_launch,
    boost_pause,
    boost_read_spend,
    spend_due,
)
from .receipts import receipt_add
from .requests import (
    boost_approve,
    boost_approve_division,
    boost_create,
    boost_reject,
    boost_stop,
    boost_submit,
    boost_update,
    boostable_refusal,
)
from .setup import ad_account_check_request, ad_account_save, budget_line_save

__all__ = [
    "ad_account_check",
    "ad_account_check_request",
    "ad_account_save",
    "boost_approve",
    "boost_approve_division",
    "boost_create",
    "boost_estimate",
    "boost_launch",
    "boost_pause",
    "boost_read_spend",
    "boost_reject",
    "boost_stop",
    "boost_submit",
    "boost_update",
    "boostable_refusal",
    "budget_line_save",
    "receipt_add",
    "spend_due",
]
