"""What the Bicep templates and API Management policies declare, read from the parsed files:
a regression in security, identity or caching fails here (checkov has no checks for most of
these). Nothing is deployed; `az deployment ... what-if` remains the real compiler's check."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pycep import BicepParser

INFRA = Path(__file__).resolve().parents[2] / "infra"
BICEP_FILES = sorted(INFRA.rglob("*.bicep"))
POLICIES = INFRA / "policies"
ROLE_IDS = {
    "storageBlobDataOwner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    "storageQueueDataContributor": "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
    "storageTableDataContributor": "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
    "keyVaultSecretsUser": "4633458b-17de-408a-b874-0445c86b69e6",
    "monitoringMetricsPublisher": "3913510d-42f4-4e42-8a64-420c390055eb",
}


@cache
def parsed(relative: str) -> dict[str, Any]:
    result: dict[str, Any] = dict(BicepParser().parse(text=(INFRA / relative).read_text()))
    return result


def resource(relative: str, name: str) -> dict[str, Any]:
    resources = parsed(relative).get("resources", {})
    assert name in resources, f"{relative} declares no resource {name}"
    found: dict[str, Any] = resources[name]
    return found


def config(relative: str, name: str) -> dict[str, Any]:
    return dict(resource(relative, name).get("config", {}))


def app_settings() -> dict[str, Any]:
    settings = config("modules/functionapp.bicep", "app")["properties"]["siteConfig"]["appSettings"]
    return {entry["name"]: entry["value"] for entry in settings}


@pytest.mark.parametrize("path", BICEP_FILES, ids=lambda p: str(p.relative_to(INFRA)))
def test_every_bicep_file_parses(path: Path) -> None:
    tree = parsed(str(path.relative_to(INFRA)))
    assert tree.get("resources") or tree.get("modules"), f"{path} parsed to nothing"


def test_modules_are_local_files_the_scanner_can_read() -> None:
    text = (INFRA / "main.bicep").read_text()
    assert "br/public:" not in text and "br:" not in text
    for module in parsed("main.bicep")["modules"].values():
        assert module["type"] == "local"
        assert (INFRA / module["detail"]["path"]).exists(), module["detail"]["path"]


def test_storage_accounts_accept_only_entra_identities_over_tls12() -> None:
    properties = config("modules/storage.bicep", "account")["properties"]
    assert properties["allowSharedKeyAccess"] is False
    assert properties["allowBlobPublicAccess"] is False
    assert properties["minimumTlsVersion"] == "TLS1_2"
    assert properties["supportsHttpsTrafficOnly"] is True
    modules = parsed("main.bicep")["modules"]
    assert (
        modules["hostStorage"]["detail"]["path"] == modules["dataStorage"]["detail"]["path"] == "modules/storage.bicep"
    )
    assert modules["dataStorage"]["config"]["params"]["tableName"] == "tableName"
    assert parsed("main.bicep")["variables"]["tableName"]["value"] == "todo"


def test_function_app_is_flex_consumption_python_311_https_only_without_ftp() -> None:
    plan = config("modules/functionapp.bicep", "plan")
    assert plan["sku"] == {"tier": "FlexConsumption", "name": "FC1"}
    app = config("modules/functionapp.bicep", "app")
    assert app["identity"]["type"] == "SystemAssigned"
    properties = app["properties"]
    assert properties["httpsOnly"] is True
    assert properties["siteConfig"]["minTlsVersion"] == "1.2"
    assert properties["siteConfig"]["ftpsState"] == "Disabled"
    assert properties["functionAppConfig"]["runtime"] == {"name": "python", "version": "3.11"}
    assert (
        properties["functionAppConfig"]["deployment"]["storage"]["authentication"]["type"] == "SystemAssignedIdentity"
    )
    for policy in ("ftpPublishing", "scmPublishing"):
        assert config("modules/functionapp.bicep", policy)["properties"]["allow"] is False


def test_connections_are_identity_based_and_match_the_settings_the_app_reads() -> None:
    settings = app_settings()
    assert "AzureWebJobsStorage" not in settings
    assert settings["AzureWebJobsStorage__credential"] == "managedidentity"
    assert {
        "AzureWebJobsStorage__accountName",
        "TODO_STORAGE__tableServiceUri",
        "TODO_TABLE_NAME",
        "PUBLIC_BASE_URL",
        "TODO_CURSOR_KEY",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
    } <= set(settings)
    assert "TODO_STORAGE" not in settings  # no connection string
    assert settings["TODO_OWNER_HEADER_REQUIRED"] == "true"
    assert settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] == "Authorization=AAD"
    assert "@Microsoft.KeyVault(SecretUri=" in str(settings["TODO_CURSOR_KEY"])
    app_reads = (Path(__file__).resolve().parents[2] / "shared" / "config.py").read_text()
    for name in ("TODO_TABLE_NAME", "TODO_OWNER_HEADER_REQUIRED", "PUBLIC_BASE_URL", "TODO_CURSOR_KEY"):
        assert f'"{name}"' in app_reads, name
    assert "__tableServiceUri" in app_reads


def test_role_assignments_are_the_least_that_work() -> None:
    roles = parsed("modules/functionapp.bicep")["variables"]["roles"]["value"]
    assert roles == ROLE_IDS
    granted = set()
    for name, declared in parsed("modules/functionapp.bicep")["resources"].items():
        if declared["type"] != "Microsoft.Authorization/roleAssignments":
            continue
        body = declared["config"]
        role = body["properties"]["roleDefinitionId"]["function"]["parameters"]["resource_name_1"]
        granted.add((body["scope"], role["operator"]["operands"]["operand_2"]))
        assert body["properties"]["principalType"] == "ServicePrincipal", name
    assert granted == {
        ("hostStorage", "storageBlobDataOwner"),
        ("hostStorage", "storageQueueDataContributor"),
        ("dataStorage", "storageTableDataContributor"),
        ("vault", "keyVaultSecretsUser"),
        ("appInsights", "monitoringMetricsPublisher"),
    }


def test_application_insights_refuses_key_based_ingestion() -> None:
    properties = config("modules/monitoring.bicep", "appInsights")["properties"]
    assert properties["DisableLocalAuth"] is True
    assert properties["WorkspaceResourceId"]


def test_no_secret_in_plain_text_or_in_outputs() -> None:
    for path in [*BICEP_FILES, *POLICIES.glob("*.xml"), INFRA / "main.parameters.json"]:
        text = path.read_text()
        for marker in ("AccountKey=", "InstrumentationKey=", "SharedAccessSignature", "DefaultEndpointsProtocol"):
            assert marker not in text, f"{marker} in {path.name}"
    for name in parsed("main.bicep")["outputs"]:
        assert not re.search(r"_key$|secret|password|connection|token", name, re.IGNORECASE), name
    vault_secret = config("modules/keyvault.bicep", "cursorSecret")
    assert vault_secret["properties"]["value"] == "cursorKey"
    cursor_param = parsed("main.bicep")["parameters"]["cursorKey"]
    assert any(d["type"] == "secure" for d in cursor_param["decorators"])
    key = config("modules/apim.bicep", "functionKey")["properties"]
    assert key["secret"] is True  # the function key is an encrypted named value


def test_api_management_tier_has_a_working_cache() -> None:
    sku = parsed("main.bicep")["parameters"]["apimSku"]
    allowed = next(d for d in sku["decorators"] if d["type"] == "allowed")["argument"]
    assert "Consumption" not in allowed and sku["default"] == "BasicV2"
    service = config("modules/apim.bicep", "service")
    assert resource("modules/apim.bicep", "service")["api_version"] >= "2024-05-01"
    assert service["identity"]["type"] == "SystemAssigned"


def _compose_api_policy(auth: str) -> str:
    text = (POLICIES / "api.xml").read_text()
    snippet = (POLICIES / f"auth-{auth}.xml").read_text()
    text = text.replace("<!--AUTHENTICATION-->", snippet)
    for placeholder, value in (
        ("__ALLOWED_ORIGINS__", "<origin>https://a.test</origin>"),
        ("__TENANT_ID__", "t"),
        ("__AUDIENCE__", "api://x"),
        ("__RATE_LIMIT_CALLS__", "10"),
        ("__RATE_LIMIT_PERIOD__", "60"),
        ("__BACKEND_ID__", "b"),
    ):
        text = text.replace(placeholder, value)
    return text


def _xml(text: str) -> ET.Element:
    # Policy expressions @(...) may hold characters XML forbids in places; mask them first.
    masked = re.sub(r"@\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)", "EXPR", text)
    return ET.fromstring(masked)  # noqa: S314 - our own policy files, not untrusted input


def test_every_policy_file_is_well_formed_xml() -> None:
    files = list(POLICIES.glob("*.xml"))
    assert len(files) >= 4
    for path in files:
        text = path.read_text()
        _xml(
            text
            if text.lstrip().startswith("<policies") or text.lstrip().startswith("<!--\n")
            else f"<fragment>{text}</fragment>"
        )


@pytest.mark.parametrize("auth", ["jwt", "subscription"])
def test_owner_header_is_removed_then_set_from_the_verified_identity(auth: str) -> None:
    inbound = _xml(_compose_api_policy(auth)).find("inbound")
    assert inbound is not None
    steps = [(child.tag, child.get("name"), child.get("exists-action")) for child in inbound]
    delete = steps.index(("set-header", "X-Todo-Owner", "delete"))
    override = steps.index(("set-header", "X-Todo-Owner", "override"))
    limit = [tag for tag, _, _ in steps].index("rate-limit-by-key")
    generation = steps.index(("set-header", "X-Todo-Generation", "override"))
    assert delete < override < generation < limit
    if auth == "jwt":
        assert [tag for tag, _, _ in steps].index("validate-jwt") < override
    assert steps[-1][0] == "set-backend-service"


def test_api_policy_has_cors_rate_limit_and_removes_leaky_headers() -> None:
    root = _xml(_compose_api_policy("jwt"))
    cors = root.find("inbound/cors")
    assert cors is not None
    exposed = {h.text for h in cors.findall("expose-headers/header")}
    assert {"ETag", "Location", "Link", "Retry-After"} <= exposed
    allowed = {h.text for h in cors.findall("allowed-headers/header")}
    assert {"Content-Type", "If-Match", "If-None-Match", "Idempotency-Key"} <= allowed
    assert root.find("inbound/rate-limit-by-key") is not None
    removed = {h.get("name") for h in root.findall("outbound/set-header") if h.get("exists-action") == "delete"}
    assert {"X-Powered-By", "Server", "Server-Timing"} <= removed
    assert root.find(".//cache-lookup") is None  # caching never at API scope, where writes live


def test_cache_policy_varies_by_owner_and_paging_and_is_attached_only_to_gets() -> None:
    root = _xml((POLICIES / "get-cache.xml").read_text())
    lookup = root.find("inbound/cache-lookup")
    assert lookup is not None and root.find("outbound/cache-store") is not None
    assert lookup.get("vary-by-developer") == "false" and lookup.get("allow-private-response-caching") == "true"
    assert "X-Todo-Owner" in {h.text for h in lookup.findall("vary-by-header")}
    query = lookup.findtext("vary-by-query-parameter") or ""
    assert set(query.split(";")) == {"top", "skip", "cursor"}
    routes = json.loads((INFRA / "routes.json").read_text())
    assert all(r["method"] == "GET" for r in routes if r["cached"])
    loop = str(resource("modules/apim.bicep", "cachePolicies"))
    assert "GET" in loop and "cached" in loop


def test_each_successful_write_starts_a_new_cache_generation_for_its_owner() -> None:
    # Parsed without masking: the expressions themselves are what this test reads.
    root = ET.fromstring(_compose_api_policy("jwt"))  # noqa: S314 - our own policy file
    key_variable = root.find("inbound/set-variable[@name='generationKey']")
    assert key_variable is not None and 'GetValueOrDefault("X-Todo-Owner"' in (key_variable.get("value") or "")
    lookup = root.find("inbound/cache-lookup-value")
    assert lookup is not None and 'Variables["generationKey"]' in (lookup.get("key") or "")
    header = root.find("inbound/set-header[@name='X-Todo-Generation']")
    assert header is not None and str(lookup.get("variable-name")) in (header.findtext("value") or "")
    when = root.find("outbound/choose/when")
    assert when is not None
    condition = when.get("condition") or ""
    assert 'Method != "GET"' in condition and 'Method != "HEAD"' in condition and "StatusCode < 400" in condition
    store = when.find("cache-store-value")
    assert store is not None and store.get("key") == lookup.get("key") and "NewGuid" in (store.get("value") or "")
    cache = _xml((POLICIES / "get-cache.xml").read_text()).find("inbound/cache-lookup")
    assert cache is not None and "X-Todo-Generation" in {h.text for h in cache.findall("vary-by-header")}


def test_gateway_operations_come_from_the_route_table() -> None:
    variables = parsed("modules/apim.bicep")["variables"]
    assert "routes.json" in str(variables["routes"])
    assert "routes" in str(resource("modules/apim.bicep", "operations"))
    assert "HEAD" in str(resource("modules/apim.bicep", "headOperations"))


def test_parameter_file_sets_only_declared_parameters() -> None:
    declared = set(parsed("main.bicep")["parameters"])
    given = set(json.loads((INFRA / "main.parameters.json").read_text())["parameters"])
    assert given <= declared
    required = {name for name, p in parsed("main.bicep")["parameters"].items() if "default" not in p}
    assert required <= given
