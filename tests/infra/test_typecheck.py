"""The offline Bicep type check (tools/bicep_typecheck) proves itself: the real templates pass,
and each class of defect the compiler would reject, applied to a copy of infra/, fails with a
message naming the file, line and resource or symbol, and the property."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import tools.bicep_typecheck as typecheck

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
TYPES = typecheck.DEFAULT_TYPES
needs_types = pytest.mark.skipif(
    not TYPES.is_dir(),
    reason="../shared/azure-types is absent (it exists only on the team's machines and CI); "
    "the workflow's az bicep build/lint checks the same there",
)


def _copy_with(tmp_path: Path, file: str, old: str, new: str) -> Path:
    copy = tmp_path / "infra"
    shutil.copytree(INFRA, copy)
    target = copy / file
    text = target.read_text()
    assert text.count(old) >= 1, f"the defect's anchor is gone from {file}: {old!r}"
    text = text.replace(old, new, 1)
    if "httpsOnlySetting" in new:  # the variable the defect routes the string through
        text = text.replace("param location string\n", "param location string\nvar httpsOnlySetting = 'true'\n", 1)
    target.write_text(text)
    return copy


def _problems(infra: Path, types: Path | None = TYPES) -> list[str]:
    problems, _ = typecheck.check(infra, types)
    return [str(p) for p in problems]


@needs_types
def test_the_real_templates_pass_the_type_check() -> None:
    problems, typed = typecheck.check(INFRA, TYPES)
    assert typed
    assert [str(p) for p in problems] == []


def test_the_real_templates_declare_every_symbol_they_use_even_without_type_data() -> None:
    problems, typed = typecheck.check(INFRA, None)
    assert not typed
    assert [str(p) for p in problems] == []


# (file, text in the real template, replacement, words the message must contain)
TYPE_DEFECTS = {
    "misspelled property": (
        "modules/functionapp.bicep",
        "perInstanceConcurrency: perInstanceConcurrency",
        "perInstanceConcurency: perInstanceConcurrency",
        ["modules/functionapp.bicep:", "resource 'app'", "perInstanceConcurency", "does not exist"],
    ),
    "property at the wrong level": (
        "modules/functionapp.bicep",
        "    httpsOnly: true\n",
        "    httpsOnly: true\n    minTlsVersion: '1.2'\n",
        ["modules/functionapp.bicep:", "resource 'app'", "'properties.minTlsVersion'", "does not exist"],
    ),
    "API version that does not exist": (
        "modules/functionapp.bicep",
        "'Microsoft.Web/sites@2023-12-01' = {",
        "'Microsoft.Web/sites@2023-13-01' = {",
        ["modules/functionapp.bicep:", "resource 'app'", "2023-13-01", "does not exist"],
    ),
    "read-only property set": (
        "modules/functionapp.bicep",
        "    httpsOnly: true\n",
        "    httpsOnly: true\n    defaultHostName: 'example.net'\n",
        ["modules/functionapp.bicep:", "resource 'app'", "properties.defaultHostName", "read-only"],
    ),
    "string where a boolean belongs": (
        "modules/functionapp.bicep",
        "    httpsOnly: true\n",
        "    httpsOnly: 'true'\n",
        ["modules/functionapp.bicep:", "resource 'app'", "properties.httpsOnly", "expects bool"],
    ),
    "enum value that is not allowed": (
        "modules/functionapp.bicep",
        "unauthenticatedClientAction: 'Return401'",
        "unauthenticatedClientAction: 'Return402'",
        ["modules/functionapp.bicep:", "resource 'authentication'", "unauthenticatedClientAction", "'Return402'",
         "not allowed", "'Return401'"],
    ),
    "enum value on a discriminated config (by name)": (
        "modules/functionapp.bicep",
        "    requireAuthentication: true",
        "    requireAuthenticaton: true",
        ["resource 'authentication'", "properties.globalValidation.requireAuthenticaton", "does not exist"],
    ),
    "parameter of the wrong type used": (
        "modules/functionapp.bicep",
        "maximumInstanceCount: maximumInstanceCount",
        "maximumInstanceCount: appName",
        ["modules/functionapp.bicep:", "scaleAndConcurrency.maximumInstanceCount", "expects int"],
    ),
    "output reading a property that does not exist": (
        "modules/apim.bicep",
        "service.properties.gatewayUrl",
        "service.properties.gatewayUri",
        ["modules/apim.bicep:", "gatewayUrl", "service.properties.gatewayUri", "does not have"],
    ),
    "misspelled property in a subnet delegation (network types)": (
        "modules/network.bicep",
        "serviceName: 'Microsoft.App/environments'",
        "servceName: 'Microsoft.App/environments'",
        ["modules/network.bicep:", "resource 'vnet'",
         "properties.subnets[].properties.delegations[].properties.servceName", "does not exist"],
    ),
    "string where a boolean belongs in a private DNS link (private DNS types)": (
        "modules/network.bicep",
        "registrationEnabled: false",  # the first one: tableZoneLink
        "registrationEnabled: 'false'",
        ["modules/network.bicep:", "resource 'tableZoneLink'", "properties.registrationEnabled", "expects bool"],
    ),
    "private endpoint group ids given as a string": (
        "modules/private-endpoints.bicep",
        "          groupIds: [\n            e.groupId\n          ]",
        "          groupIds: 'blob'",
        ["modules/private-endpoints.bicep:", "resource 'endpoint'", "groupIds", "expects array"],
    ),
    # The three the real compiler or the resource provider rejects that this check used to miss:
    "child resource with parent: and a '/' in its name (BCP170)": (
        "modules/keyvault.bicep",
        "  name: 'cursor-key'",
        "  name: '${vault.name}/cursor-key'",
        ["modules/keyvault.bicep:", "resource 'cursorSecret'", ".name", "must not have '/'", "BCP170"],
    ),
    "string reaching a boolean property through a variable (BCP036)": (
        "modules/functionapp.bicep",
        "    httpsOnly: true\n",
        "    httpsOnly: httpsOnlySetting\n",
        ["modules/functionapp.bicep:", "resource 'app'", "properties.httpsOnly <- var httpsOnlySetting",
         "expects bool", "'true'"],
    ),
    "API Management policy attribute with an invalid value": (
        "policies/api.xml",
        '<set-header name="X-Todo-Owner" exists-action="delete" />',
        '<set-header name="X-Todo-Owner" exists-action="overwrite" />',
        ["policies/api.xml:23:", "<set-header>", "'exists-action'", "'overwrite' is not allowed"],
    ),
    # More of the same kinds:
    "nested type named with too few segments, without parent (BCP169)": (
        "modules/keyvault.bicep",
        "  parent: vault\n  name: 'cursor-key'",
        "  name: 'cursor-key'",
        ["modules/keyvault.bicep:", "resource 'cursorSecret'", ".name", "needs 2 segments", "BCP169"],
    ),
    "parent of the wrong type": (
        "modules/functionapp.bicep",
        "  parent: app\n  name: 'appsettings'",
        "  parent: plan\n  name: 'appsettings'",
        ["modules/functionapp.bicep:", "resource 'appSettings'", ".parent", "is a Microsoft.Web/serverfarms"],
    ),
    "an object variable with a wrongly typed property": (
        "modules/storage.bicep",
        "    category: 'StorageRead'\n    enabled: true",
        "    category: 'StorageRead'\n    enabled: 'yes'",
        ["modules/storage.bicep:", "resource 'tableLogs'", "properties.logs <- var serviceLogs[].enabled",
         "expects bool"],
    ),
    "diagnostic category the scoped type does not have": (
        "modules/apim.bicep",
        "category: 'GatewayLogs'",
        "category: 'GatewayLog'",
        ["modules/apim.bicep:", "resource 'gatewayLogs'", "properties.logs[].category", "'GatewayLog'",
         "Microsoft.ApiManagement/service"],
    ),
    "diagnostic category through a variable": (
        "modules/storage.bicep",
        "category: 'StorageRead'",
        "category: 'StorageReads'",
        ["modules/storage.bicep:", "resource 'tableLogs'", "properties.logs[].category <- var serviceLogs",
         "'StorageReads'", "Microsoft.Storage/storageAccounts/tableServices"],
    ),
    "policy boolean attribute that is not a boolean": (
        "policies/backend-auth.xml",
        'ignore-error="false"',
        'ignore-error="no"',
        ["policies/backend-auth.xml:1:", "<authentication-managed-identity>", "'ignore-error'", "true | false"],
    ),
    "policy without a required attribute": (
        "policies/get-cache.xml",
        '<cache-store duration="__CACHE_DURATION__" />',
        "<cache-store />",
        ["policies/get-cache.xml:", "<cache-store>", "'duration'", "required attribute is missing"],
    ),
    "policy in a place it cannot be": (
        "policies/api.xml",
        "    <base />\n    <!--CORS-->",
        "    <base />\n    <audience>x</audience>\n    <!--CORS-->",
        ["policies/api.xml:", "<audience>", "not allowed inside <inbound>"],
    ),
    "log alert window longer than Azure Monitor allows (two days)": (
        "modules/operations.bicep",
        "    windowSize: 'P2D'\n",
        "    windowSize: 'P3D'\n",
        ["modules/operations.bicep:", "resource 'backupFailures'", "properties.windowSize", "'P3D'", "2 day(s)"],
    ),
    "log alert window shorter than its evaluation frequency": (
        "modules/operations.bicep",
        "    evaluationFrequency: 'PT1H'\n    windowSize: 'P2D'\n",
        "    evaluationFrequency: 'P1D'\n    windowSize: 'PT12H'\n",
        ["modules/operations.bicep:", "resource 'backupFailures'", "windowSize' is shorter than"],
    ),
    "log alert window that is not an ISO 8601 duration": (
        "modules/operations.bicep",
        "    windowSize: 'PT15M'\n",
        "    windowSize: '15m'\n",
        ["modules/operations.bicep:", "resource 'latency'", "'15m' is not an ISO 8601 duration"],
    ),
    "resource type without a definition": (
        "modules/functionapp.bicep",
        "output name string = app.name",
        "resource hostKey 'Microsoft.Web/sites/host/functionKeys@2023-12-01' = {\n  name: '${app.name}/default/k'\n}\n"
        "output name string = app.name",
        ["modules/functionapp.bicep:", "resource 'hostKey'", "Microsoft.Web/sites/host/functionKeys",
         "no type definition"],
    ),
}

SYMBOL_DEFECTS = {
    "parameter never used (the linter's no-unused-params, an error in bicepconfig.json)": (
        "main.bicep",
        "param location string = resourceGroup().location\n",
        "param location string = resourceGroup().location\nparam leftover string = 'x'\n",
        ["main.bicep:", "param 'leftover' is never used"],
    ),
    "undefined parameter": (
        "modules/functionapp.bicep",
        "  location: location\n",
        "  location: locaton\n",
        ["modules/functionapp.bicep:", "resource 'plan'", "undefined symbol 'locaton'"],
    ),
    "undefined variable": (
        "main.bicep",
        "name: names.apim",
        "name: nams.apim",
        ["main.bicep:", "module 'apim'", "undefined symbol 'nams'"],
    ),
    "module output that does not exist": (
        "main.bicep",
        "monitoring.outputs.connectionString",
        "monitoring.outputs.connString",
        ["main.bicep:", "module 'monitoring'", "no output 'connString'"],
    ),
    "module parameter that does not exist": (
        "main.bicep",
        "    publisherEmail: publisherEmail\n",
        "    publisherMail: publisherEmail\n",
        ["main.bicep:", "module 'apim'", "'publisherMail' is not declared", "required parameter 'publisherEmail'"],
    ),
}


@needs_types
@pytest.mark.parametrize("defect", list(TYPE_DEFECTS))
def test_each_type_defect_fails_naming_file_resource_and_property(defect: str, tmp_path: Path) -> None:
    file, old, new, words = TYPE_DEFECTS[defect]
    problems = _problems(_copy_with(tmp_path, file, old, new))
    assert problems, f"{defect} passed the check"
    assert any(all(word in problem for word in words) for problem in problems), problems


@pytest.mark.parametrize("defect", list(SYMBOL_DEFECTS))
def test_each_symbol_defect_fails_with_or_without_type_data(defect: str, tmp_path: Path) -> None:
    file, old, new, words = SYMBOL_DEFECTS[defect]
    copy = _copy_with(tmp_path, file, old, new)
    for types in (None, TYPES) if TYPES.is_dir() else (None,):
        problems = _problems(copy, types)
        assert all(any(word in problem for problem in problems) for word in words), problems


def test_a_file_the_parser_cannot_read_fails_loudly(tmp_path: Path) -> None:
    # A user-defined type: pycep 0.5.1 (checkov's parser) cannot parse it, so checkov would
    # silently scan nothing in this file.
    copy = _copy_with(tmp_path, "modules/storage.bicep", "param location string\n",
                      "type sizes = 'small' | 'large'\nparam location string\n")
    (copy / "modules" / "storage.bicep").write_text(
        (copy / "modules" / "storage.bicep").read_text().replace("param location string", "param location string?")
    )
    problems = _problems(copy, None)
    assert any("modules/storage.bicep" in p and "cannot parse" in p for p in problems), problems


def test_every_allowed_untyped_resource_type_has_a_reason() -> None:
    for type_name, reason in typecheck.UNTYPED.items():
        assert "/" in type_name and len(reason.split()) >= 4, type_name


def test_the_command_line_exits_non_zero_and_prints_each_problem(tmp_path: Path) -> None:
    copy = _copy_with(tmp_path, "main.bicep", "name: names.apim", "name: nams.apim")
    run = subprocess.run(
        [sys.executable, "-m", "tools.bicep_typecheck", str(copy)], cwd=ROOT, capture_output=True, text=True,
        check=False, timeout=120,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "undefined symbol 'nams'" in run.stdout and "FAILED" in run.stdout
    clean = subprocess.run(
        [sys.executable, "-m", "tools.bicep_typecheck"], cwd=ROOT, capture_output=True, text=True, check=False,
        timeout=120,
    )
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert ("against Azure's type definitions" in clean.stdout) == TYPES.is_dir()
