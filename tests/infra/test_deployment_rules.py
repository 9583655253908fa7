"""Rules a first deployment depends on, none of which the compiler sees: ordering (Key Vault
references only after the role that resolves them), nothing that goes through the Functions
host, built-in role ids checked against Microsoft's list, names valid for every allowed
environment name, authentication between gateway and app, auditing, parameters and pipeline."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pycep import BicepParser

import tools.bicep_typecheck as typecheck
from tools.bicep_typecheck.grammar import bicep_source

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
ROLES_FILE = ROOT.parent / "shared" / "azure-roles.json"
WORKFLOW = ROOT / ".github" / "workflows" / "deploy.yml"
ENV_PATTERN = r"^[a-z][a-z0-9]{1,9}$"


@cache
def _parse(path: Path) -> dict[str, Any]:
    return dict(BicepParser().parse(text=bicep_source(path)))


def parsed(relative: str, infra: Path = INFRA) -> dict[str, Any]:
    return _parse(infra / relative)


def resources(infra: Path = INFRA) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path in sorted(infra.rglob("*.bicep")):
        for name, declared in _parse(path).get("resources", {}).items():
            found.append((str(path.relative_to(infra)), name, declared))
    return found


def body(declared: dict[str, Any]) -> dict[str, Any]:
    """A resource's body, also when it is deployed on a condition (pycep nests it then)."""
    config: dict[str, Any] = declared["config"]
    return dict(config["config"]) if "condition" in config else config


def role_key(declared: dict[str, Any]) -> str:
    """The variable naming a role assignment's role (roles.<key> or a plain variable)."""
    argument = body(declared)["properties"]["roleDefinitionId"]["function"]["parameters"]["resource_name_1"]
    if isinstance(argument, str):
        return argument
    return str(argument["operator"]["operands"]["operand_2"])


def role_id(file: str, key: str, infra: Path = INFRA) -> str:
    variables = parsed(file, infra)["variables"]
    value = variables["roles"]["value"][key] if key not in variables else variables[key]["value"]
    return str(value)


def key_vault_reference_problems(infra: Path) -> list[str]:
    """App settings holding a Key Vault reference that could be applied before the app's
    identity may read the secret (then the app would see the literal reference)."""
    problems = []
    for file, name, declared in resources(infra):
        settings = body(declared)
        if declared["type"] == "Microsoft.Web/sites":
            site_config = settings.get("properties", {}).get("siteConfig", {})
            if "@Microsoft.KeyVault(" in json.dumps(site_config.get("appSettings", [])):
                problems.append(f"{file}: {name} sets Key Vault references with the site itself")
            continue
        if declared["type"] != "Microsoft.Web/sites/config" or settings.get("name") != "appsettings":
            continue
        grants = {
            other: body(other_decl)
            for other_file, other, other_decl in resources(infra)
            if other_file == file and other_decl["type"] == "Microsoft.Authorization/roleAssignments"
            and role_key(other_decl) == "keyVaultSecretsUser"
        }
        for setting, value in settings["properties"].items():
            if not (isinstance(value, str) and value.startswith("@Microsoft.KeyVault(")):
                continue
            match = re.search(r"\$\{(\w+)\.properties\.(secretUri\w*)\}", value)
            if not match:
                problems.append(f"{file}: {setting} does not name a secret resource of this file")
                continue
            secret, uri = match.groups()
            if uri != "secretUriWithVersion":
                problems.append(f"{file}: {setting} references the secret without its version")
            waiting_for = [g for g, grant in grants.items() if grant["scope"] == secret
                           and settings["parent"] in json.dumps(grant["properties"]["principalId"])]
            if not waiting_for:
                problems.append(f"{file}: no Key Vault Secrets User grant on {secret} for {settings['parent']}")
            elif not set(waiting_for) & set(settings.get("dependsOn", [])):
                problems.append(f"{file}: {name} does not depend on {waiting_for[0]}, which lets {setting} resolve")
    return problems


def test_key_vault_references_are_applied_only_after_the_role_that_resolves_them() -> None:
    assert key_vault_reference_problems(INFRA) == []
    referencing = [name for _, name, d in resources() if d["type"] == "Microsoft.Web/sites/config"
                   and "@Microsoft.KeyVault(" in json.dumps(body(d).get("properties", {}))]
    assert referencing == ["appSettings"]


def test_dropping_the_dependency_on_the_grant_is_caught(tmp_path: Path) -> None:
    copy = tmp_path / "infra"
    shutil.copytree(INFRA, copy)
    module = copy / "modules" / "functionapp.bicep"
    text = module.read_text()
    assert "    secretsUser\n    metricsPublisher\n  ]" in text
    module.write_text(text.replace("    secretsUser\n    metricsPublisher\n  ]", "    metricsPublisher\n  ]"))
    assert key_vault_reference_problems(copy) == [
        "modules/functionapp.bicep: appSettings does not depend on secretsUser, which lets TODO_CURSOR_KEY resolve"
    ]


def test_nothing_in_the_templates_goes_through_the_functions_host() -> None:
    for file, name, declared in resources():
        assert not declared["type"].startswith("Microsoft.Web/sites/host"), f"{file}: {name}"
    for path in INFRA.rglob("*.bicep"):
        text = path.read_text()
        assert "listKeys(" not in text and "/host/default" not in text and "functionKeys" not in text, path.name
        assert ".listKeys" not in text, path.name


@pytest.mark.skipif(not ROLES_FILE.exists(), reason="../shared/azure-roles.json is absent (team machines and CI only)")
def test_every_role_assignment_names_a_built_in_role_from_microsofts_list() -> None:
    by_id = {v: k for k, v in json.loads(ROLES_FILE.read_text())["roles"].items()}
    used = set()
    for file, name, declared in resources():
        if declared["type"] != "Microsoft.Authorization/roleAssignments":
            continue
        key = role_key(declared)
        guid = role_id(file, key)
        assert guid in by_id, f"{file}: {name} assigns {guid}, which is not a built-in role"
        words = by_id[guid].split()
        assert key == words[0].lower() + "".join(w.capitalize() for w in words[1:]), (
            f"{file}: {name} calls role {guid} '{key}', but it is {by_id[guid]}"
        )
        if not file.startswith("access/"):  # the deployer's own rights, granted separately
            used.add(by_id[guid])
    assert used == {
        "Storage Blob Data Owner", "Storage Table Data Contributor", "Key Vault Secrets User",
        "Monitoring Metrics Publisher", "Storage Blob Data Contributor",
    }


def assigned_role_ids() -> set[str]:
    """The role definition ids the deployment (main.bicep and its modules) assigns."""
    return {
        role_id(file, role_key(declared))
        for file, _, declared in resources()
        if declared["type"] == "Microsoft.Authorization/roleAssignments" and not file.startswith("access/")
    }


def test_the_deployer_may_assign_only_the_roles_the_templates_assign_and_only_to_service_principals() -> None:
    # Learn "Delegate Azure role assignment management to others with conditions" (constrain
    # roles; constrain principal types): one expression for write (@Request) and one for delete
    # (@Resource), since the attribute source differs per action.
    template = parsed("access/deployer.bicep")
    variables = template["variables"]
    listed = {str(v) for v in variables["assignableRoles"]["value"]}
    assert listed == assigned_role_ids()
    grants = {
        name: body(declared)["properties"] for name, declared in template["resources"].items()
    }
    assert {role_id("access/deployer.bicep", role_key(d)) for d in template["resources"].values()} == {
        "b24988ac-6180-42a0-ab88-20f7382dd24c", "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
    }
    rbac = grants["roleAssignments"]
    assert rbac["conditionVersion"] == "2.0"
    assert rbac["condition"] == "${writeCondition} AND ${deleteCondition}"
    write, delete = str(variables["writeCondition"]["value"]), str(variables["deleteCondition"]["value"])
    guids = "{${roleList}}"
    write, delete = write.replace("\\'", "'"), delete.replace("\\'", "'")  # Bicep's escaped quotes
    assert "(!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'}))" in write
    assert f"@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {guids}" \
        in write
    assert "@Request[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase" \
        in write
    assert "(!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'}))" in delete
    assert f"@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {guids}" \
        in delete
    assert "condition" not in grants["contributor"]


def _derived_names(environment: str, token: str) -> dict[str, str]:
    names = parsed("main.bicep")["variables"]["names"]["value"]
    assert parsed("main.bicep")["variables"]["env"]["value"]["function"]["type"] == "to_lower"
    result = {}
    for key, spec in names.items():
        take = None
        if isinstance(spec, dict):
            assert spec["function"]["type"] == "take", key
            take = int(spec["function"]["parameters"]["number_to_take"])
            spec = spec["function"]["parameters"]["original_value"]
        value = str(spec).replace("${env}", environment).replace("${token}", token)
        assert "${" not in value, f"{key} uses more than env and token: {spec}"
        result[key] = value[:take] if take else value
    return result


# Microsoft's naming rules for each resource (Azure resource name rules, Learn).
NAME_RULES = {
    "workspace": r"^[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$",
    "appInsights": r"^[^%&\\?/]{1,260}$",
    "hostStorage": r"^[a-z0-9]{3,24}$",
    "dataStorage": r"^[a-z0-9]{3,24}$",
    "keyVault": r"^(?!.*--)[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$",
    "plan": r"^[A-Za-z0-9-]{1,60}$",
    "functionApp": r"^[A-Za-z0-9][A-Za-z0-9-]{0,58}[A-Za-z0-9]$",
    "apim": r"^[A-Za-z][A-Za-z0-9-]{0,48}[A-Za-z0-9]$",
    "gatewayIdentity": r"^[A-Za-z0-9][A-Za-z0-9_-]{2,127}$",
    "network": r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}[A-Za-z0-9_]$",
}
RESOURCE_TYPES = {
    "workspace": ("Microsoft.OperationalInsights/workspaces", "2023-09-01"),
    "appInsights": ("Microsoft.Insights/components", "2020-02-02"),
    "hostStorage": ("Microsoft.Storage/storageAccounts", "2023-05-01"),
    "dataStorage": ("Microsoft.Storage/storageAccounts", "2023-05-01"),
    "keyVault": ("Microsoft.KeyVault/vaults", "2023-07-01"),
    "plan": ("Microsoft.Web/serverfarms", "2023-12-01"),
    "functionApp": ("Microsoft.Web/sites", "2023-12-01"),
    "apim": ("Microsoft.ApiManagement/service", "2024-05-01"),
    "gatewayIdentity": ("Microsoft.ManagedIdentity/userAssignedIdentities", "2023-01-31"),
    "network": ("Microsoft.Network/virtualNetworks", "2024-05-01"),
}


@pytest.mark.parametrize("environment", ["ab", "a1", "dev", "prod", "abcdefghij", "z000000009"])
@pytest.mark.parametrize("token", ["abcdefghijklm", "0123456789abc"])  # uniqueString: 13 of [a-z0-9]
def test_every_derived_name_is_valid_for_every_allowed_environment_name(environment: str, token: str) -> None:
    assert re.fullmatch(ENV_PATTERN, environment)
    names = _derived_names(environment, token)
    assert set(names) == set(NAME_RULES)
    for key, value in names.items():
        assert re.fullmatch(NAME_RULES[key], value), f"{key} name {value!r} breaks Azure's naming rule"
    if typecheck.DEFAULT_TYPES.is_dir():
        index = typecheck.TypeIndex(typecheck.DEFAULT_TYPES)
        for key, (type_name, version) in RESOURCE_TYPES.items():
            found = index.body(type_name, version)
            assert found is not None
            data, body = found
            name_type = typecheck.resolve(data, body["properties"]["name"]["type"])
            if name_type.get("$type") == "StringType":
                assert len(names[key]) <= int(name_type.get("maxLength", 10**6)), key
                assert len(names[key]) >= int(name_type.get("minLength", 0)), key
                if name_type.get("pattern"):
                    assert re.search(name_type["pattern"], names[key]), (key, name_type["pattern"])


def test_environment_name_limits_agree_between_template_and_input_check() -> None:
    parameter = parsed("main.bicep")["parameters"]["environmentName"]
    decorators = {d["type"]: d.get("argument") for d in parameter["decorators"]}
    assert decorators["min_length"] == 2 and decorators["max_length"] == 10
    assert "default" not in parameter or parameter["default"] is None
    script = (ROOT / "scripts" / "check_deploy_params.sh").read_text()
    assert "^[a-z][a-z0-9]{1,9}$" in script and ENV_PATTERN == "^[a-z][a-z0-9]{1,9}$"
    assert "^[a-z][a-z0-9]{1,9}$" in (INFRA / "main.bicep").read_text()


def test_skus_are_restricted_and_nothing_production_has_a_default() -> None:
    parameters = parsed("main.bicep")["parameters"]
    for name in ("apimSku", "storageSku", "instanceMemoryMB", "authMode"):
        assert any(d["type"] == "allowed" for d in parameters[name]["decorators"]), name
    # Required: azd's pre-provision hook fills it in for a signed-in user (test below).
    assert parameters["publisherEmail"]["default"] is None
    # Empty: the deployment creates the API's registration itself (modules/entra.bicep).
    assert parameters["apiAppClientId"]["default"] == ""
    assert parameters["allowedOrigins"]["default"] == ""
    storage = parsed("modules/storage.bicep")["parameters"]["sku"]
    assert any(d["type"] == "allowed" for d in storage["decorators"])


def _jwt(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256'})}.{part(claims)}.signature"


@pytest.mark.parametrize(
    ("env", "status", "said", "azd_set"),
    [
        ({"ARM_ACCESS_TOKEN": _jwt({"upn": "ada@contoso.test"})}, 0, "set to the signed-in user", "ada@contoso.test"),
        # A service principal's token has no upn.
        ({"ARM_ACCESS_TOKEN": _jwt({"appid": "x"})}, 1, "azd env set TODO_PUBLISHER_EMAIL", None),
        ({"ARM_ACCESS_TOKEN": _jwt({"upn": "not-an-address"})}, 1, "no user principal name", None),
        ({"ARM_ACCESS_TOKEN": "garbage"}, 1, "no user principal name", None),
        ({"TODO_PUBLISHER_EMAIL": "ops@contoso.test", "ARM_ACCESS_TOKEN": _jwt({"upn": "a@b.test"})}, 0, "", None),
    ],
)
def test_azd_up_fills_in_the_publisher_email_from_the_signed_in_user(
    tmp_path: Path, env: dict[str, str], status: int, said: str, azd_set: str | None
) -> None:
    record = tmp_path / "azd-calls"
    fake_azd = tmp_path / "azd"
    fake_azd.write_text(f'#!/bin/sh\necho "$@" >> {record}\n')
    fake_azd.chmod(0o755)
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "publisher_email.py")],
        env={"PATH": f"{tmp_path}:{os.environ['PATH']}", **env},
        capture_output=True, text=True, check=False, timeout=30,
    )
    assert run.returncode == status, run.stderr
    assert said in run.stdout + run.stderr
    calls = record.read_text() if record.exists() else ""
    assert calls == (f"env set TODO_PUBLISHER_EMAIL {azd_set}\n" if azd_set else "")


def test_the_input_check_leaves_the_publisher_email_to_azd_but_not_to_a_workflow() -> None:
    script = ROOT / "scripts" / "check_deploy_params.sh"
    base = {"PATH": os.environ["PATH"], "AZURE_ENV_NAME": "dev", "AZURE_LOCATION": "swedencentral"}

    def check(**env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", str(script)], env={**base, **env}, capture_output=True, text=True,
                              check=False, timeout=30)

    assert check().returncode == 0  # azd up by a signed-in user: the next hook step fills it in
    assert check(TODO_PUBLISHER_EMAIL="ops@contoso.test").returncode == 0
    malformed = check(TODO_PUBLISHER_EMAIL="not an address")
    assert malformed.returncode == 1 and "must be an e-mail address" in malformed.stderr
    workflow = check(GITHUB_ACTIONS="true")
    assert workflow.returncode == 1 and "service principal has no user principal name" in workflow.stderr
    assert check(GITHUB_ACTIONS="true", TODO_PUBLISHER_EMAIL="ops@contoso.test").returncode == 0
    hook = (ROOT / "azure.yaml").read_text()
    steps = ("bash scripts/check_deploy_params.sh && python3 scripts/publisher_email.py"
             " && python3 scripts/check_providers.py")
    assert steps in hook


def test_parameters_file_uses_azd_substitutions_and_the_workflow_passes_the_same_parameters() -> None:
    text = (INFRA / "main.parameters.json").read_text()
    given = json.loads(text)["parameters"]
    assert given["environmentName"]["value"] == "${AZURE_ENV_NAME}"
    assert given["location"]["value"] == "${AZURE_LOCATION}"
    for name, entry in given.items():
        assert str(entry["value"]).startswith("${"), f"{name} is hard-coded in main.parameters.json"
    assert "example.com" not in text and "localhost" not in text
    workflow = WORKFLOW.read_text()
    for name in given:
        assert f"--arg {name} " in workflow, f"the workflow does not pass {name}"
    for variable in re.findall(r"\$\{(\w+?)=?[^}]*\}", text):
        assert variable in workflow, variable


def test_workflow_compiles_lints_and_previews_before_it_deploys_and_smoke_tests_the_gateway() -> None:
    workflow = WORKFLOW.read_text()
    assert "az bicep build --file infra/main.bicep" in workflow
    assert "az bicep lint --file infra/main.bicep" in workflow
    assert workflow.index("az deployment group what-if") < workflow.index("az deployment group create")
    assert workflow.index("check_deploy_params.sh") < workflow.index("az deployment group what-if")
    assert re.search(r"respect-funcignore:\s*true", workflow)
    assert "needs: [test, bicep]" in workflow
    smoke = workflow[workflow.index("Smoke test"):]
    assert "scripts/smoke_gateway.sh" in smoke and "API_GATEWAY_URL: ${{ needs.deploy.outputs.url }}" in smoke
    assert "defaultHostName" not in workflow
    script = (ROOT / "scripts" / "smoke_gateway.sh").read_text()
    assert 'expect "$API_GATEWAY_URL/openapi.json" 200' in script
    assert 'expect "https://$FUNCTION_APP_HOST/api/openapi.json" 401' in script
    outputs = parsed("main.bicep")["outputs"]
    assert {"API_GATEWAY_URL", "FUNCTION_APP_HOST", "FUNCTION_APP_NAME"} <= set(outputs)
    config = json.loads((INFRA / "bicepconfig.json").read_text())["analyzers"]["core"]["rules"]
    for code in ("BCP036", "BCP037", "BCP081"):
        assert config[code]["level"] == "error", code
    azure_yaml = (ROOT / "azure.yaml").read_text()
    assert re.search(r"preprovision:\s+shell: sh\s+run: bash scripts/check_deploy_params.sh", azure_yaml)
    assert re.search(r"postdeploy:\s+shell: sh\s+run: bash scripts/smoke_gateway.sh", azure_yaml)


def test_the_app_admits_only_the_gateway_identity_which_the_gateway_uses() -> None:
    auth = parsed("modules/functionapp.bicep")["resources"]["authentication"]
    assert auth["type"] == "Microsoft.Web/sites/config"
    settings = body(auth)
    assert settings["name"] == "authsettingsV2" and settings["parent"] == "app"
    properties = settings["properties"]
    assert properties["platform"]["enabled"] is True
    assert properties["globalValidation"] == {"requireAuthentication": True, "unauthenticatedClientAction": "Return401"}
    entra = properties["identityProviders"]["azureActiveDirectory"]
    assert entra["enabled"] is True and entra["registration"]["clientId"] == "apiAppClientId"
    validation = entra["validation"]
    assert validation["allowedAudiences"] == ["apiAppClientId", "apiAudience"]
    # The v2 issuer: the registration asks for v2 tokens (modules/entra.bicep), so the gateway
    # identity's token is issued by exactly this issuer.
    assert "${tenantId}/v2.0" in json.dumps(entra["registration"]["openIdIssuer"])
    assert "sts.windows.net" not in json.dumps(entra)
    assert validation["defaultAuthorizationPolicy"]["allowedApplications"] == ["gatewayClientId"]
    assert validation["defaultAuthorizationPolicy"]["allowedPrincipals"]["identities"] == ["gatewayPrincipalId"]
    main = parsed("main.bicep")
    function_params = main["modules"]["functionApp"]["config"]["params"]
    apim_params = main["modules"]["apim"]["config"]["params"]
    assert "gatewayIdentity" in json.dumps(function_params["gatewayClientId"])
    assert "clientId" in json.dumps(function_params["gatewayClientId"])
    assert json.dumps(function_params["gatewayClientId"]) == json.dumps(apim_params["gatewayIdentityClientId"])
    assert apim_params["backendAudience"] == function_params["apiAppClientId"] == "apiClientId"
    assert apim_params["audience"] == function_params["apiAudience"] == "apiAudience"
    service = parsed("modules/apim.bicep")["resources"]["service"]["config"]
    assert service["identity"]["type"] == "UserAssigned"
    assert list(service["identity"]["userAssignedIdentities"]) == ["'${gatewayIdentityId}'"]
    assert main["resources"]["gatewayIdentity"]["type"] == "Microsoft.ManagedIdentity/userAssignedIdentities"


def test_key_vault_storage_and_gateway_logs_reach_log_analytics_and_requests_app_insights() -> None:
    settings = {
        (file, name): body(d) for file, name, d in resources() if d["type"] == "Microsoft.Insights/diagnosticSettings"
    }
    scopes = {(file, d["scope"]) for (file, _), d in settings.items()}
    assert scopes == {
        ("modules/keyvault.bicep", "vault"),
        ("modules/storage.bicep", "tableService"),
        ("modules/storage.bicep", "blobService"),
        ("modules/backup-storage.bicep", "blobService"),  # the data account's blobs: the backups
        ("modules/apim.bicep", "service"),
    }
    for declared in settings.values():
        assert declared["properties"]["workspaceId"] == "workspaceId"
    vault_logs = settings[("modules/keyvault.bicep", "auditLogs")]["properties"]["logs"]
    assert vault_logs == [{"categoryGroup": "audit", "enabled": True}]
    for module in ("modules/storage.bicep", "modules/backup-storage.bicep"):
        storage_logs = parsed(module)["variables"]["serviceLogs"]["value"]
        assert {entry["category"] for entry in storage_logs} == {"StorageRead", "StorageWrite", "StorageDelete"}
    gateway_logs = settings[("modules/apim.bicep", "gatewayLogs")]["properties"]["logs"]
    assert gateway_logs == [{"category": "GatewayLogs", "enabled": True}]
    apim = parsed("modules/apim.bicep")["resources"]
    logger = apim["logger"]["config"]["properties"]
    assert logger["loggerType"] == "applicationInsights"
    assert logger["credentials"]["identityClientId"] == "gatewayIdentityClientId"  # local auth is off
    diagnostics = apim["diagnostics"]["config"]
    assert diagnostics["name"] == "applicationinsights"
    assert "frontend" not in diagnostics["properties"] and "backend" not in diagnostics["properties"]  # no headers
    for file, module in (("main.bicep", "hostStorage"), ("main.bicep", "dataStorage"), ("main.bicep", "vault"),
                         ("main.bicep", "apim"), ("main.bicep", "backupStorage")):
        assert "workspaceId" in parsed(file)["modules"][module]["config"]["params"], module
