"""List prices the cost section multiplies measurements by: each with its unit, where it comes
from and when it was read. Pay-as-you-go, USD, East US; re-check before relying on them.

The azure.microsoft.com pricing pages themselves could not be opened from the machine that
wrote this (only package registries are reachable); the figures are those the pages state as
quoted by the sources named, read on the date given."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Price:
    usd: float
    unit: str
    source: str
    read: str


FLEX_GB_SECOND = Price(
    0.000026, "GB-s of instance memory while an on-demand instance executes",
    "azure.microsoft.com/pricing/details/functions (Flex Consumption, on demand), as quoted by "
    "modal.com/blog/azure-function-pricing-guide (May 2025); billing model: learn.microsoft.com "
    "azure-functions/functions-consumption-costs (Flex Consumption tab)", "2026-11-28")
FLEX_EXECUTIONS = Price(
    0.40, "million executions (on demand)",
    "azure.microsoft.com/pricing/details/functions (Flex Consumption, on demand), as quoted by "
    "modal.com/blog/azure-function-pricing-guide (May 2025)", "2026-11-28")
TABLE_TRANSACTIONS = Price(
    0.00036, "10,000 transactions (Standard, LRS)",
    "azure.microsoft.com/pricing/details/storage/tables (the figure this project has used since its "
    "first benchmark)", "2026-11-25")
APIM_BASIC_V2_MONTH = Price(
    150.0, "Basic v2 unit per month (includes a monthly request quota; no per-call price)",
    "azure.microsoft.com/pricing/details/api-management (Basic v2); third-party summaries found "
    "here quote $150 to $210, so this is the lower bound", "2026-11-28")
APIM_CONSUMPTION_CALLS = Price(
    3.50, "million calls (Consumption tier, after the first million a month)",
    "azure.microsoft.com/pricing/details/api-management (Consumption), as quoted by "
    "microsoftnegotiations.com/blog/azure-api-management-licensing (2026)", "2026-11-28")

ALL = {
    "flex_gb_second": FLEX_GB_SECOND,
    "flex_executions": FLEX_EXECUTIONS,
    "table_transactions": TABLE_TRANSACTIONS,
    "apim_basic_v2_month": APIM_BASIC_V2_MONTH,
    "apim_consumption_calls": APIM_CONSUMPTION_CALLS,
}
