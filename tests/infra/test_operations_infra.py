"""Alerts, action group, workbook and the telemetry and housekeeping settings, read from the
parsed templates: each alert the README's Operate section lists exists, reads the signal it
names, takes its threshold from a parameter and notifies the action group."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pycep import BicepParser

from functions.housekeeping import DEFAULT_SCHEDULE
from tools.bicep_typecheck.grammar import bicep_source

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
MODULE = "modules/operations.bicep"


def parsed(relative: str) -> dict[str, Any]:
    return dict(BicepParser().parse(text=bicep_source(INFRA / relative)))


def resources() -> dict[str, Any]:
    return dict(parsed(MODULE)["resources"])


def properties(name: str) -> dict[str, Any]:
    return dict(resources()[name]["config"]["properties"])


def reference(value: Any) -> Any:
    """pycep's form of `symbol.property` read back as that text."""
    if isinstance(value, dict) and value.get("type") == "property_accessor":
        operands = value["operands"]
        return f"{reference(operands['operand_1'])}.{reference(operands['operand_2'])}"
    if isinstance(value, dict) and set(value) == {"operator"}:
        return reference(value["operator"])
    return value


def main_default(name: str) -> Any:
    return parsed("main.bicep")["parameters"][name]["default"]


LOG_ALERTS = {  # resource -> (threshold parameter, main.bicep parameter, its default, what the query must read)
    "serverErrors": ("serverErrorPercent", "alertServerErrorPercent", 5, "toint(ResultCode) >= 500"),
    "latency": ("latencyP95Ms", "alertLatencyP95Ms", 1000, "percentile(DurationMs, 95)"),
    "housekeepingFailures": ("housekeepingFailureCount", "alertHousekeepingFailures", 1, '"housekeeping"'),
}
METRIC_ALERTS = {  # resource -> (threshold parameter, main.bicep parameter, default, metric, dimension, values)
    "gatewayThrottled": ("gateway429Count", "alertGateway429Count", 100, "Requests", "GatewayResponseCode", ["429"]),
    "gatewayUnauthorized": ("gateway401Count", "alertGateway401Count", 200, "Requests", "GatewayResponseCode", ["401"]),
    "storageThrottling": (
        "storageThrottleCount", "alertStorageThrottleCount", 10, "Transactions", "ResponseType",
        ["ServerBusyError", "ClientThrottlingError"],
    ),
}  # fmt: skip


def test_the_action_group_mails_every_address_of_the_parameter() -> None:
    receivers = properties("actionGroup")["emailReceivers"]
    assert receivers["loop_type"]["detail"]["array_name"] == "alertEmails"
    assert receivers["config"]["emailAddress"] == "email"
    assert main_default("alertEmails") == []


@pytest.mark.parametrize("name", sorted(LOG_ALERTS))
def test_each_log_alert_reads_its_signal_with_a_parameter_threshold(name: str) -> None:
    parameter, main_parameter, default, signal = LOG_ALERTS[name]
    config = properties(name)
    (criterion,) = config["criteria"]["allOf"]
    assert criterion["threshold"] == parameter and signal in criterion["query"]
    assert criterion["metricMeasureColumn"] in criterion["query"]
    assert config["scopes"] == ["workspaceId"]
    assert [reference(v) for v in config["actions"]["actionGroups"]] == ["actionGroup.id"]
    assert main_default(main_parameter) == default


@pytest.mark.parametrize("name", sorted(METRIC_ALERTS))
def test_each_metric_alert_reads_its_metric_with_a_parameter_threshold(name: str) -> None:
    parameter, main_parameter, default, metric, dimension, values = METRIC_ALERTS[name]
    config = properties(name)
    (criterion,) = config["criteria"]["allOf"]
    assert (criterion["metricName"], criterion["threshold"]) == (metric, parameter)
    assert criterion["timeAggregation"] == "Total"
    assert criterion["dimensions"] == [{"name": dimension, "operator": "Include", "values": values}]
    assert [reference(a["actionGroupId"]) for a in config["actions"]] == ["actionGroup.id"]
    assert main_default(main_parameter) == default


def test_the_api_alerts_count_the_apps_own_request_spans_by_the_attribute_it_sets() -> None:
    # Wherever the layer packages keep it: the one module named telemetry.py under shared/.
    (module,) = (ROOT / "shared").rglob("telemetry.py")
    telemetry = module.read_text()
    attribute = re.search(r'"(todo\.request_id)"', telemetry)
    assert attribute is not None
    assert f'Properties["{attribute.group(1)}"]' in parsed(MODULE)["variables"]["apiRequests"]["value"]


def test_main_passes_every_threshold_to_the_module() -> None:
    given = parsed("main.bicep")["modules"]["operations"]["config"]["params"]
    for parameter, main_parameter, *_ in [*LOG_ALERTS.values(), *METRIC_ALERTS.values()]:
        assert given[parameter] == main_parameter


# Microsoft.Insights/workbooks@2023-06-01 as bicep-types-az defines it (generated/applicationinsights/
# microsoft.insights/2023-06-01/types.md): the properties a template may set, and the required ones.
WORKBOOK_PROPERTIES = {"category", "description", "displayName", "serializedData", "sourceId", "storageUri", "tags",
                       "version"}  # fmt: skip
WORKBOOK_REQUIRED = {"category", "displayName", "serializedData"}


def test_the_workbook_sets_only_properties_its_type_defines() -> None:
    workbook = resources()["workbook"]
    assert workbook["type"] == "Microsoft.Insights/workbooks" and workbook["api_version"] == "2023-06-01"
    config = properties("workbook")
    assert WORKBOOK_REQUIRED <= set(config) <= WORKBOOK_PROPERTIES
    assert workbook["config"]["kind"] == "shared"


def test_the_workbook_shows_rate_latency_errors_storage_and_cache() -> None:
    config = properties("workbook")
    loaded = config["serializedData"]["function"]
    assert loaded["type"] == "load_text_content"
    document = json.loads((INFRA / "modules" / loaded["parameters"]["file_path"]).resolve().read_text())
    assert document["version"] == "Notebook/1.0"
    queries = {item["name"]: item["content"]["query"] for item in document["items"] if item["type"] == 3}
    assert "count() by bin(TimeGenerated" in queries["request-rate"]
    latency = queries["latency-by-operation"]
    assert "percentile(DurationMs, 95)" in latency and "by Name" in latency
    assert "by ResultCode" in queries["errors-by-status"]
    assert queries["storage-transactions"].startswith("StorageTableLogs")
    cache = queries["gateway-cache"]
    assert 'Cache == "hit"' in cache and cache.startswith("ApiManagementGatewayLogs")


def test_the_function_app_gets_the_telemetry_and_housekeeping_settings() -> None:
    settings = parsed("modules/functionapp.bicep")["resources"]["appSettings"]["config"]["properties"]
    assert settings["PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY"] == "true"
    assert settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] == "Authorization=AAD"
    assert settings["TODO_HOUSEKEEPING_SCHEDULE"] == "housekeepingSchedule"
    assert main_default("housekeepingSchedule") == DEFAULT_SCHEDULE


def test_host_json_asks_the_host_for_opentelemetry() -> None:
    assert json.loads((ROOT / "host.json").read_text())["telemetryMode"] == "OpenTelemetry"
