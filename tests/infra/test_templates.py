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

from tools.bicep_typecheck.grammar import bicep_source
from tools.bicep_typecheck.policies import check_text as check_policy_text

INFRA = Path(__file__).resolve().parents[2] / "infra"
BICEP_FILES = sorted(INFRA.rglob("*.bicep"))
POLICIES = INFRA / "policies"


@cache
def parsed(relative: str) -> dict[str, Any]:
    result: dict[str, Any] = dict(BicepParser().parse(text=bicep_source(INFRA / relative)))
    return result


def resource(relative: str, name: str) -> dict[str, Any]:
    resources = parsed(relative).get("resources", {})
    assert name in resources, f"{relative} declares no resource {name}"
    found: dict[str, Any] = resources[name]
    return found


def config(relative: str, name: str) -> dict[str, Any]:
    return dict(resource(relative, name).get("config", {}))


def app_settings() -> dict[str, Any]:
    body = config("modules/functionapp.bicep", "appSettings")
    assert body["name"] == "appsettings" and body["parent"] == "app"
    settings: dict[str, Any] = body["properties"]
    return settings


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


BACKUP_SETTINGS = {"TODO_BACKUP_CONTAINER", "TODO_BACKUP_SCHEDULE"}


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
    # By version: a reference without one would follow rotations only every 24 hours.
    assert settings["TODO_CURSOR_KEY"] == (
        "@Microsoft.KeyVault(SecretUri=${cursorSecret.properties.secretUriWithVersion})"
    )
    assert "appSettings" not in config("modules/functionapp.bicep", "app")["properties"]["siteConfig"]
    sources = [p for folder in ("shared", "functions") for p in (INFRA.parent / folder).rglob("*.py")]
    app_code = "\n".join(p.read_text() for p in sources)
    # The backup function's settings are its contract with the infra; until a function of the app
    # mentions a backup at all, they are the only ones allowed to wait for their reader.
    backup_function = any("backup" in p.read_text() for p in (INFRA.parent / "functions").rglob("*.py"))
    for name in settings:
        if name in BACKUP_SETTINGS and not backup_function:
            continue
        if name.startswith("TODO_") or name == "PUBLIC_BASE_URL":
            assert f'"{name.split("__")[0]}' in app_code, f"the template sets {name}, which the app never reads"
    assert "__tableServiceUri" in app_code


def test_web_page_settings_follow_the_gateway_auth_mode() -> None:
    settings = app_settings()
    assert {"TODO_WEB_AUTH_MODE", "TODO_WEB_CLIENT_ID", "TODO_WEB_TENANT_ID", "TODO_WEB_API_SCOPE"} <= set(settings)
    module = parsed("main.bicep")["modules"]["functionApp"]["config"]["params"]
    # subscription mode: the page asks for a key; jwt mode: sign-in, or none without a SPA
    # registration (the app treats entra without a client id as a configuration fault).
    mode = json.dumps(module["webAuthMode"])
    for word in ('"authMode"', '"subscription"', '"webClientId"', '"none"', '"entra"'):
        assert word in mode, word
    allowed = next(d for d in parsed("modules/functionapp.bicep")["parameters"]["webAuthMode"]["decorators"]
                   if d["type"] == "allowed")["argument"]
    app_code = "\n".join(p.read_text() for p in (INFRA.parent / "shared").rglob("*.py"))
    app_modes = re.search(r"WEB_AUTH_MODES = \(([^)]*)\)", app_code)
    assert app_modes is not None
    assert set(allowed) == {m.strip().strip('"') for m in app_modes.group(1).split(",") if m.strip()}
    assert module["webApiScope"] == "${apiAudience}/${apiScopeName}"
    # The app checks App Service's caller headers against the gateway identity too.
    assert settings["TODO_TRUSTED_CALLER_ID"] == "gatewayPrincipalId"


def test_role_assignments_are_the_least_that_work() -> None:
    granted = set()
    for name, declared in parsed("modules/functionapp.bicep")["resources"].items():
        if declared["type"] != "Microsoft.Authorization/roleAssignments":
            continue
        body = declared["config"]
        role = body["properties"]["roleDefinitionId"]["function"]["parameters"]["resource_name_1"]
        granted.add((body["scope"], role["operator"]["operands"]["operand_2"]))
        assert body["properties"]["principalType"] == "ServicePrincipal", name
    # Host account: package, blobs and leases, diagnostic events; no queue role (HTTP only).
    # Data: the one table, and the backup container (create only: its condition is proven in
    # tests/infra/test_backup_infra.py); Key Vault: the one secret.
    assert granted == {
        ("hostStorage", "storageBlobDataOwner"),
        ("hostStorage", "storageTableDataContributor"),
        ("dataTable", "storageTableDataContributor"),
        ("backupContainer", "storageBlobDataContributor"),
        ("cursorSecret", "keyVaultSecretsUser"),
        ("appInsights", "monitoringMetricsPublisher"),
    }
    resources = parsed("modules/functionapp.bicep")["resources"]
    assert resources["dataTable"]["type"] == "Microsoft.Storage/storageAccounts/tableServices/tables"
    assert resources["dataTable"]["config"]["name"] == "tableName"
    assert resources["cursorSecret"]["type"] == "Microsoft.KeyVault/vaults/secrets"


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
    # The linter's secret-name heuristics (outputs-should-not-contain-secrets, secure-secrets-in-params).
    for path in BICEP_FILES:
        tree = parsed(str(path.relative_to(INFRA)))
        for name in tree.get("outputs", {}):
            assert not re.search(r"secret|password|pwd", name, re.IGNORECASE), f"{path.name}: output {name}"
        for name, parameter in tree.get("parameters", {}).items():
            if re.search(r"secret|password|pwd|accountkey|acctkey", name, re.IGNORECASE):
                assert any(d["type"] == "secure" for d in parameter["decorators"]), f"{path.name}: param {name}"
    vault_secret = config("modules/keyvault.bicep", "cursorSecret")
    assert vault_secret["properties"]["value"] == "cursorKey"
    cursor_param = parsed("main.bicep")["parameters"]["cursorKey"]
    assert any(d["type"] == "secure" for d in cursor_param["decorators"])


def test_api_management_tier_has_a_working_cache() -> None:
    sku = parsed("main.bicep")["parameters"]["apimSku"]
    allowed = next(d for d in sku["decorators"] if d["type"] == "allowed")["argument"]
    assert "Consumption" not in allowed and sku["default"] == "BasicV2"
    service = config("modules/apim.bicep", "service")
    assert resource("modules/apim.bicep", "service")["api_version"] >= "2024-05-01"
    assert service["identity"]["type"] == "UserAssigned"


def _compose_api_policy(auth: str, origins: str = "<origin>https://a.test</origin>") -> str:
    """The API policy as apim.bicep composes it (placeholders checked by the next test)."""
    text = (POLICIES / "api.xml").read_text()
    cors = (POLICIES / "cors.xml").read_text().replace("__ALLOWED_ORIGINS__", origins) if origins else ""
    text = text.replace("<!--CORS-->", cors)
    text = text.replace("<!--IP_RATE_LIMIT-->", (POLICIES / "ip-rate-limit.xml").read_text())
    text = text.replace("<!--AUTHENTICATION-->", (POLICIES / f"auth-{auth}.xml").read_text())
    text = text.replace("<!--BACKEND_AUTHENTICATION-->", (POLICIES / "backend-auth.xml").read_text())
    return _fill(text)


def _compose_public_policy() -> str:
    text = (POLICIES / "public.xml").read_text()
    text = text.replace("<!--IP_RATE_LIMIT-->", (POLICIES / "ip-rate-limit.xml").read_text())
    text = text.replace("<!--BACKEND_AUTHENTICATION-->", (POLICIES / "backend-auth.xml").read_text())
    return _fill(text)


def _compose_cache_policy(auth: str) -> str:
    text = (POLICIES / "get-cache.xml").read_text()
    text = text.replace("__VARY_BY_DEVELOPER__", "false" if auth == "jwt" else "true")
    caller = "<vary-by-header>Authorization</vary-by-header>" if auth == "jwt" else ""
    text = text.replace("<!--VARY_BY_CALLER-->", caller)
    return _fill(text)


def _fill(text: str) -> str:
    for placeholder, value in (
        ("__TENANT_ID__", "t"),
        ("__AUDIENCE__", "api://x"),
        ("__API_CLIENT_ID__", "x"),
        ("__API_SCOPE__", "Todo.ReadWrite"),
        ("__BACKEND_AUDIENCE__", "x"),
        ("__GATEWAY_CLIENT_ID__", "g"),
        ("__RATE_LIMIT_CALLS__", "10"),
        ("__IP_RATE_LIMIT_CALLS__", "20"),
        ("__RATE_LIMIT_PERIOD__", "60"),
        ("__BACKEND_ID__", "b"),
        ("__CACHE_DURATION__", "10"),
    ):
        text = text.replace(placeholder, value)
    assert not re.search(r"__[A-Z_]+__", text), "a placeholder this test does not know"
    return text


def test_every_policy_placeholder_is_filled_by_the_template_and_no_other() -> None:
    bicep = (INFRA / "modules" / "apim.bicep").read_text()
    replaced = set(re.findall(r"'(__[A-Z_]+__|<!--[A-Z_]+-->)'", bicep))
    used = set()
    for path in POLICIES.glob("*.xml"):
        used |= set(re.findall(r"__[A-Z_]+__|<!--[A-Z_]+-->", path.read_text()))
    assert used == replaced
    for path in POLICIES.glob("*.xml"):
        assert f"'../policies/{path.name}'" in bicep, f"{path.name} is never loaded"


def _xml(text: str) -> ET.Element:
    # Policy expressions @(...) may hold characters XML forbids in places; mask them first.
    masked = re.sub(r"@\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)", "EXPR", text)
    return ET.fromstring(masked)  # noqa: S314 - our own policy files, not untrusted input


@pytest.mark.parametrize("auth", ["jwt", "subscription"])
def test_composed_policies_are_well_formed_xml(auth: str) -> None:
    for text in (_compose_api_policy(auth), _compose_api_policy(auth, ""), _compose_public_policy(),
                 _compose_cache_policy(auth)):
        assert _xml(text).tag == "policies"
        # Composed, every placeholder filled: still within the schema of the policies used.
        assert [str(p) for p in check_policy_text(text, "composed")] == []


def _inbound_steps(root: ET.Element) -> list[tuple[str, str | None, str | None]]:
    inbound = root.find("inbound")
    assert inbound is not None
    return [(child.tag, child.get("name"), child.get("exists-action")) for child in inbound]


@pytest.mark.parametrize("auth", ["jwt", "subscription"])
def test_owner_header_is_removed_then_set_from_the_verified_identity(auth: str) -> None:
    root = _xml(_compose_api_policy(auth))
    steps = _inbound_steps(root)
    tags = [tag for tag, _, _ in steps]
    delete = steps.index(("set-header", "X-Todo-Owner", "delete"))
    override = steps.index(("set-header", "X-Todo-Owner", "override"))
    ip_limit, owner_limit = (i for i, tag in enumerate(tags) if tag == "rate-limit-by-key")
    generation = steps.index(("set-header", "X-Todo-Generation", "override"))
    authenticate = tags.index("validate-jwt") if auth == "jwt" else tags.index("choose")
    # The IP limit runs before any token is checked; the owner limit once the owner is known.
    assert delete < ip_limit < authenticate < override < generation < owner_limit
    assert tags.index("authentication-managed-identity") > owner_limit
    assert tags[-1] == "set-backend-service"


def test_rate_limits_count_by_client_ip_before_authentication_and_by_owner_after() -> None:
    root = ET.fromstring(_compose_api_policy("jwt"))  # noqa: S314 - our own policy file
    ip_limit, owner_limit = root.findall("inbound/rate-limit-by-key")
    assert "context.Request.IpAddress" in (ip_limit.get("counter-key") or "")
    assert ip_limit.get("calls") == "20"
    owner_key = owner_limit.get("counter-key") or ""
    assert 'GetValueOrDefault("X-Todo-Owner"' in owner_key and "IpAddress" not in owner_key
    assert owner_limit.get("calls") == "10"


def test_jwt_callers_need_a_user_token_for_this_api_with_its_scope() -> None:
    # validate-jwt rather than validate-azure-ad-token: the latter requires a fixed list of
    # client application ids, and any client the user consented to may call this API.
    root = _xml(_compose_api_policy("jwt"))
    check = root.find("inbound/validate-jwt")
    assert check is not None and check.get("failed-validation-httpcode") == "401"
    assert check.get("require-scheme") == "Bearer"
    config = check.find("openid-config")
    assert config is not None and config.get("url") == (
        "https://login.microsoftonline.com/t/v2.0/.well-known/openid-configuration"
    )
    assert {a.text for a in check.findall("audiences/audience")} == {"api://x", "x"}  # v1 and v2 token forms
    assert {i.text for i in check.findall("issuers/issuer")} == {
        "https://login.microsoftonline.com/t/v2.0", "https://sts.windows.net/t/"
    }
    # Without a required scp, any token of the tenant for this audience would pass, app-only
    # tokens included.
    claims = {c.get("name"): c for c in check.findall("required-claims/claim")}
    assert [v.text for v in claims["scp"].findall("value")] == ["Todo.ReadWrite"]
    assert claims["scp"].get("separator") == " " and claims["scp"].get("match") == "any" and "oid" in claims


def test_subscription_mode_answers_401_without_a_subscription() -> None:
    root = _xml(_compose_api_policy("subscription"))
    when = root.find("inbound/choose/when")
    assert when is not None and when.get("condition") == "EXPR"
    assert "context.Subscription == null" in (POLICIES / "auth-subscription.xml").read_text()
    status = when.find("return-response/set-status")
    assert status is not None and status.get("code") == "401"
    body = json.loads(when.findtext("return-response/set-body") or "")
    assert body["status"] == 401
    api = config("modules/apim.bicep", "api")["properties"]
    assert api["subscriptionRequired"] is False  # so the public operations need no key


def test_gateway_calls_the_app_with_its_managed_identity_not_a_key() -> None:
    root = ET.fromstring(_compose_api_policy("jwt"))  # noqa: S314 - our own policy file
    token = root.find("inbound/authentication-managed-identity")
    assert token is not None and token.get("resource") == "x" and token.get("client-id") == "g"
    variable = token.get("output-token-variable-name")
    assert variable and token.get("ignore-error") == "false"
    # Sent in the backend section: during inbound the caller's Authorization stays in place for
    # the cache key.
    header = root.find("backend/set-header[@name='Authorization']")
    assert header is not None and f'context.Variables["{variable}"]' in (header.findtext("value") or "")
    backend = config("modules/apim.bicep", "backend")["properties"]
    assert "credentials" not in backend
    for path in [*INFRA.rglob("*.bicep"), *POLICIES.glob("*.xml")]:
        text = path.read_text()
        assert "x-functions-key" not in text.lower() and "functionKeys" not in text, path.name


def test_api_policy_has_cors_when_origins_are_configured_and_removes_leaky_headers() -> None:
    root = _xml(_compose_api_policy("jwt"))
    cors = root.find("inbound/cors")
    assert cors is not None
    exposed = {h.text for h in cors.findall("expose-headers/header")}
    assert {"ETag", "Location", "Link", "Retry-After"} <= exposed
    allowed = {h.text for h in cors.findall("allowed-headers/header")}
    assert {"Content-Type", "If-Match", "If-None-Match", "Idempotency-Key"} <= allowed
    assert _xml(_compose_api_policy("jwt", "")).find("inbound/cors") is None
    removed = {h.get("name") for h in root.findall("outbound/set-header") if h.get("exists-action") == "delete"}
    assert {"X-Powered-By", "Server", "Server-Timing"} <= removed
    assert root.find(".//cache-lookup") is None  # caching never at API scope, where writes live
    origins = parsed("main.bicep")["parameters"]["allowedOrigins"]
    assert origins["default"] == ""  # no origin is allowed unless an environment names it


@pytest.mark.parametrize("auth", ["jwt", "subscription"])
def test_cache_varies_by_owner_caller_and_paging_and_leaves_client_caching_to_the_backend(auth: str) -> None:
    root = _xml(_compose_cache_policy(auth))
    lookup = root.find("inbound/cache-lookup")
    assert lookup is not None and root.find("outbound/cache-store") is not None
    assert lookup.get("downstream-caching-type") == "none"
    assert lookup.get("allow-private-response-caching") == "true"
    headers = {h.text for h in lookup.findall("vary-by-header")}
    assert {"X-Todo-Owner", "X-Todo-Generation", "If-None-Match"} <= headers
    if auth == "jwt":
        assert "Authorization" in headers and lookup.get("vary-by-developer") == "false"
    else:
        assert "Authorization" not in headers and lookup.get("vary-by-developer") == "true"
    query = lookup.findtext("vary-by-query-parameter") or ""
    assert set(query.split(";")) == {"top", "skip", "cursor"}
    routes = json.loads((INFRA / "routes.json").read_text())
    assert all(r["method"] == "GET" for r in routes if r["cached"])
    loop = str(resource("modules/apim.bicep", "cachePolicies"))
    assert "GET" in loop and "cached" in loop


def test_public_operations_need_no_token_or_key_but_keep_the_owner_header_out() -> None:
    routes = json.loads((INFRA / "routes.json").read_text())
    public = {r["operationId"] for r in routes if r["public"]}
    assert public == {"getOpenApi", "getDocs", "getApp", "getAsset"}
    assert not any(r["cached"] for r in routes if r["public"])  # one operation policy each
    root = _xml(_compose_public_policy())
    steps = _inbound_steps(root)
    tags = [tag for tag, _, _ in steps]
    assert "base" not in tags  # the API-level authentication does not apply
    assert steps[0] == ("set-header", "X-Todo-Owner", "delete")
    assert "validate-jwt" not in tags and "choose" not in tags
    assert tags.index("rate-limit-by-key") < tags.index("authentication-managed-identity") < tags.index(
        "set-backend-service")
    for section in ("backend", "outbound", "on-error"):
        assert root.find(f"{section}/base") is not None
    for name, parent in (("publicPolicies", "operations"), ("publicHeadPolicies", "headOperations")):
        loop = str(resource("modules/apim.bicep", name))
        assert "route.public" in loop.replace("'", "") or "public" in loop
        assert parent in loop and "publicPolicy" in loop


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
    cache = _xml(_compose_cache_policy("jwt")).find("inbound/cache-lookup")
    assert cache is not None and "X-Todo-Generation" in {h.text for h in cache.findall("vary-by-header")}


def test_gateway_operations_come_from_the_route_table() -> None:
    variables = parsed("modules/apim.bicep")["variables"]
    assert "routes.json" in str(variables["routes"])
    assert "routes" in str(resource("modules/apim.bicep", "operations"))
    assert "HEAD" in str(resource("modules/apim.bicep", "headOperations"))
    # Every field the template's loops read exists in every route, with the right type
    # (loadJsonContent data is not type-checked by the compiler).
    fields = {"operationId": str, "method": str, "path": str, "parameters": list, "cached": bool, "public": bool}
    for route in json.loads((INFRA / "routes.json").read_text()):
        assert set(route) == set(fields), route
        for name, kind in fields.items():
            assert isinstance(route[name], kind), (route["operationId"], name)
    text = (INFRA / "modules" / "apim.bicep").read_text()
    assert set(re.findall(r"\broute\.(\w+)", text)) <= set(fields)


def test_parameter_file_sets_only_declared_parameters() -> None:
    declared = set(parsed("main.bicep")["parameters"])
    given = set(json.loads((INFRA / "main.parameters.json").read_text())["parameters"])
    assert given <= declared
    required = {name for name, p in parsed("main.bicep")["parameters"].items() if "default" not in p}
    assert required <= given
