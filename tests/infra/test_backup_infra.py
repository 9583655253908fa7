"""The daily table backup's infrastructure, evaluated (tests/infra/bicep_model.py): a private
container on the data account whose blobs are write-once for the immutability period, deleted by
lifecycle management never before that period ends, written by the app's identity through a role
that can only create blobs there, the app settings the backup function reads, an alert for a
failed or missing run, and the blob private endpoint in the private profile."""

from __future__ import annotations

import json
import os
import re
import subprocess
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pycep import BicepParser

from tests.infra.bicep_model import PROFILES, Model, Resource
from tests.infra.bicep_values import Handle, Ref
from tools.bicep_typecheck.grammar import bicep_source
from tools.bicep_typecheck.provider_rules import iso_duration

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
ROLES_FILE = ROOT.parent / "shared" / "azure-roles.json"
BLOBS = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs"
# Learn, "Azure built-in roles for Storage": Storage Blob Data Contributor's data actions.
CONTRIBUTOR_ID = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
CONTRIBUTOR_DATA_ACTIONS = {f"{BLOBS}/{a}" for a in ("read", "write", "delete", "add/action", "move/action")}
# What creating a blob with Put Block + Put Block List needs (Learn, "Actions and attributes for
# Azure role assignment conditions for Azure Blob Storage": add/action creates a blob; Put Block
# and Put Block List are write operations).
CREATE_ACTIONS = {f"{BLOBS}/write", f"{BLOBS}/add/action"}


@cache
def model(profile: str = "public", **overrides: Any) -> Model:
    return Model(INFRA, {**PROFILES[profile], **overrides})


def only(model_: Model, type_name: str, instance: str = "main/backupStorage") -> Resource:
    (found,) = [r for r in model_.of_type(type_name) if r.instance == instance]
    return found


def main_parameter(name: str) -> dict[str, Any]:
    tree: dict[str, Any] = dict(BicepParser().parse(text=bicep_source(INFRA / "main.bicep")))
    return dict(tree["parameters"][name])


def bounds(name: str) -> tuple[int, int]:
    decorators = {d["type"]: d["argument"] for d in main_parameter(name)["decorators"] if "argument" in d}
    return int(decorators["min_value"]), int(decorators["max_value"])


def test_the_backup_container_is_private_on_the_data_account() -> None:
    container = only(model(), "Microsoft.Storage/storageAccounts/blobServices/containers")
    assert container.body["name"] == "backups"
    assert container.properties == {"publicAccess": "None"}
    service = model().by_ref(Ref("main/backupStorage", "blobService", None))
    account = model().by_ref(Ref("main/backupStorage", "account", None))
    data_account = model().by_ref(Ref("main/dataStorage", "account", None))
    assert account.existing and account.body["name"] == data_account.body["name"]
    assert service.body["name"] == "default"
    # Versioning and blob soft delete off (why: the module's comments, docs/operations.md).
    assert service.properties["isVersioningEnabled"] is False
    assert service.properties["deleteRetentionPolicy"] == {"enabled": False}


def test_the_immutability_policy_holds_every_blob_for_the_parameters_days_without_appends() -> None:
    policy = only(model(), "Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies")
    assert policy.body["parent"] == Handle("resource", "main/backupStorage", "container")
    assert policy.properties == {"immutabilityPeriodSinceCreationInDays": 14, "allowProtectedAppendWrites": False}
    assert main_parameter("backupImmutabilityDays")["default"] == 14
    assert bounds("backupImmutabilityDays") == (1, 146000)  # Learn: one day to 146,000 days (400 years)
    changed = only(
        model(backupImmutabilityDays=30),
        "Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies",
    )
    assert changed.properties["immutabilityPeriodSinceCreationInDays"] == 30


def test_once_locked_the_policy_is_left_alone_by_the_deployment() -> None:
    # A locked policy cannot be updated by a PUT (only extended), so the template stops declaring it.
    locked = model(backupImmutabilityLocked=True)
    assert locked.of_type("Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies") == []
    assert only(locked, "Microsoft.Storage/storageAccounts/blobServices/containers").body["name"] == "backups"
    assert main_parameter("backupImmutabilityLocked")["default"] is False


def lifecycle_rule(model_: Model) -> dict[str, Any]:
    policy = only(model_, "Microsoft.Storage/storageAccounts/managementPolicies")
    assert policy.body["name"] == "default"
    (rule,) = policy.properties["policy"]["rules"]
    return dict(rule)


def test_lifecycle_deletes_only_backup_blobs_after_the_retention() -> None:
    rule = lifecycle_rule(model())
    assert rule["enabled"] is True and rule["type"] == "Lifecycle"
    assert rule["definition"]["filters"] == {"blobTypes": ["blockBlob"], "prefixMatch": ["backups/"]}
    assert rule["definition"]["actions"] == {"baseBlob": {"delete": {"daysAfterCreationGreaterThan": 35}}}
    assert main_parameter("backupRetentionDays")["default"] == 35
    assert bounds("backupRetentionDays") == (1, 146000)


def test_lifecycle_never_deletes_before_the_immutability_period_ends() -> None:
    shorter = lifecycle_rule(model(backupImmutabilityDays=60, backupRetentionDays=30))
    assert shorter["definition"]["actions"]["baseBlob"]["delete"]["daysAfterCreationGreaterThan"] == 60
    longer = lifecycle_rule(model(backupImmutabilityDays=7, backupRetentionDays=90))
    assert longer["definition"]["actions"]["baseBlob"]["delete"]["daysAfterCreationGreaterThan"] == 90


def _deploy_check(**env: str) -> subprocess.CompletedProcess[str]:
    base = {
        "PATH": os.environ["PATH"],
        "AZURE_ENV_NAME": "dev",
        "AZURE_LOCATION": "swedencentral",
        "TODO_PUBLISHER_EMAIL": "ops@contoso.test",
    }
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / "check_deploy_params.sh")],
        env={**base, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )


def test_the_pre_provision_check_refuses_a_retention_shorter_than_the_immutability() -> None:
    refused = _deploy_check(TODO_BACKUP_IMMUTABILITY_DAYS="30", TODO_BACKUP_RETENTION_DAYS="29")
    assert refused.returncode == 1
    assert "TODO_BACKUP_RETENTION_DAYS (29) must be at least TODO_BACKUP_IMMUTABILITY_DAYS (30)" in refused.stderr
    assert _deploy_check(TODO_BACKUP_IMMUTABILITY_DAYS="30", TODO_BACKUP_RETENTION_DAYS="30").returncode == 0
    assert _deploy_check().returncode == 0  # the defaults (14, 35)
    assert _deploy_check(TODO_BACKUP_RETENTION_DAYS="10").returncode == 1  # below the default 14
    for bad in ("0", "146001", "7d", "-1"):
        assert _deploy_check(TODO_BACKUP_IMMUTABILITY_DAYS=bad).returncode == 1, bad
    assert _deploy_check(TODO_BACKUP_IMMUTABILITY_LOCKED="yes").returncode == 1


def backup_writer() -> Resource:
    (grant,) = [
        r
        for r in model().of_type("Microsoft.Authorization/roleAssignments")
        if r.body.get("scope") == Handle("resource", "main/functionApp", "backupContainer")
    ]
    return grant


def test_the_app_may_write_only_in_the_backup_container_with_storage_blob_data_contributor() -> None:
    grant = backup_writer()
    assert grant.symbol == "backupWriter"
    scope = model().by_ref(Ref("main/functionApp", "backupContainer", None))
    assert scope.existing and scope.body["name"] == "backups"
    assert scope.type == "Microsoft.Storage/storageAccounts/blobServices/containers"
    assert CONTRIBUTOR_ID in str(grant.properties["roleDefinitionId"])
    assert grant.properties["principalType"] == "ServicePrincipal"
    if ROLES_FILE.exists():
        assert json.loads(ROLES_FILE.read_text())["roles"]["Storage Blob Data Contributor"] == CONTRIBUTOR_ID
    # The deployer's delegated RBAC administration may assign it (infra/access/deployer.bicep).
    assert CONTRIBUTOR_ID in (INFRA / "access" / "deployer.bicep").read_text()


def condition_denies(condition: str, container: str) -> set[str]:
    """The data actions the assignment's condition refuses in `container`: an action is refused
    when the condition's action part names it and its expression is false there."""
    match = re.fullmatch(r"\(\((?P<actions>.*)\) OR \((?P<expression>.*)\)\)", condition)
    assert match, condition
    actions = re.findall(r"!\(ActionMatches\{'([^']+)'\}\)", match["actions"])
    assert " AND ".join(f"!(ActionMatches{{'{a}'}})" for a in actions) == match["actions"]
    expression = re.fullmatch(
        r"@Resource\[Microsoft\.Storage/storageAccounts/blobServices/containers:name\] StringNotEquals '([^']+)'",
        match["expression"],
    )
    assert expression, match["expression"]
    return set(actions) if expression.group(1) == container else set()


def test_the_condition_leaves_only_creating_blobs_in_the_container() -> None:
    properties = backup_writer().properties
    assert properties["conditionVersion"] == "2.0"
    condition = str(properties["condition"]).replace("\\'", "'")  # pycep keeps Bicep's escapes
    denied = condition_denies(condition, "backups")
    assert CONTRIBUTOR_DATA_ACTIONS - denied == CREATE_ACTIONS
    assert denied == {f"{BLOBS}/read", f"{BLOBS}/delete", f"{BLOBS}/move/action"}


def test_a_condition_that_forgets_delete_is_caught() -> None:
    condition = str(backup_writer().properties["condition"]).replace("\\'", "'")
    weaker = condition.replace(f" AND !(ActionMatches{{'{BLOBS}/delete'}})", "")
    assert weaker != condition
    assert CONTRIBUTOR_DATA_ACTIONS - condition_denies(weaker, "backups") != CREATE_ACTIONS


def app_settings(model_: Model) -> Resource:
    (settings,) = [r for r in model_.of_type("Microsoft.Web/sites/config") if r.body["name"] == "appsettings"]
    return settings


def test_the_app_gets_the_backup_settings_after_its_grant() -> None:
    settings = app_settings(model())
    values = settings.properties
    assert str(values["TODO_STORAGE__blobServiceUri"]).endswith("dataStorage.properties.primaryEndpoints.blob")
    assert str(values["TODO_STORAGE__tableServiceUri"]).endswith("dataStorage.properties.primaryEndpoints.table")
    assert values["TODO_BACKUP_CONTAINER"] == "backups"
    assert values["TODO_BACKUP_SCHEDULE"] == "0 30 2 * * *" == main_parameter("backupSchedule")["default"]
    assert "TODO_STORAGE__clientId" not in values  # the system-assigned identity, as for the table
    assert Handle("resource", "main/functionApp", "backupWriter") in settings.body["dependsOn"]
    assert app_settings(model(backupSchedule="0 0 3 * * *")).properties["TODO_BACKUP_SCHEDULE"] == "0 0 3 * * *"


def test_azd_maps_every_backup_parameter_with_the_templates_default() -> None:
    given = json.loads((INFRA / "main.parameters.json").read_text())["parameters"]
    for name, variable in (
        ("backupSchedule", "TODO_BACKUP_SCHEDULE"),
        ("backupImmutabilityDays", "TODO_BACKUP_IMMUTABILITY_DAYS"),
        ("backupRetentionDays", "TODO_BACKUP_RETENTION_DAYS"),
        ("backupImmutabilityLocked", "TODO_BACKUP_IMMUTABILITY_LOCKED"),
    ):
        default = main_parameter(name)["default"]
        shown = str(default).lower() if isinstance(default, bool) else str(default)
        assert given[name]["value"] == f"${{{variable}={shown}}}", name


def backup_alert() -> Resource:
    (alert,) = [r for r in model().of_type("Microsoft.Insights/scheduledQueryRules") if r.symbol == "backupFailures"]
    return alert


def test_the_backup_alert_fires_on_a_failed_run_or_none_for_26_hours() -> None:
    alert = backup_alert()
    properties = alert.properties
    (criterion,) = properties["criteria"]["allOf"]
    query = criterion["query"]
    assert 'OperationName =~ "backup"' in query
    assert "Success == false and TimeGenerated > since" in query  # failures since the last success
    assert "Success == true | summarize max(TimeGenerated)" in query
    assert query.count("ago(26h)") == 3  # no success for 26 hours, once the app is older than that
    assert query.endswith("summarize problems = count()")
    assert (criterion["metricMeasureColumn"], criterion["operator"], criterion["threshold"]) == (
        "problems",
        "GreaterThan",
        0,
    )
    assert properties["actions"]["actionGroups"] == [Ref("main/operations", "actionGroup", None)]
    assert properties["skipQueryValidation"] is True and properties["autoMitigate"] is True
    assert main_parameter("alertBackupMaxAgeHours")["default"] == 26


def test_the_backup_alert_looks_back_over_the_whole_age_limit() -> None:
    properties = backup_alert().properties
    window = iso_duration(properties["windowSize"])
    frequency = iso_duration(properties["evaluationFrequency"])
    assert window == timedelta(days=2) and frequency == timedelta(hours=1)
    _, longest = bounds("alertBackupMaxAgeHours")
    assert timedelta(hours=longest) < window  # any allowed age limit fits in the look-back
    older = backup_alert_query(alertBackupMaxAgeHours=40)
    assert older.count("ago(40h)") == 3


def backup_alert_query(**overrides: Any) -> str:
    (alert,) = [
        r for r in model(**overrides).of_type("Microsoft.Insights/scheduledQueryRules") if r.symbol == "backupFailures"
    ]
    return str(alert.properties["criteria"]["allOf"][0]["query"])


def test_in_the_private_profile_the_data_accounts_blob_service_has_its_private_endpoint() -> None:
    private = model("private")
    endpoints = [
        r
        for r in private.of_type("Microsoft.Network/privateEndpoints")
        if r.properties["privateLinkServiceConnections"][0]["properties"]["privateLinkServiceId"]
        == Ref("main/dataStorage", "account", None)
    ]
    groups = {e.properties["privateLinkServiceConnections"][0]["properties"]["groupIds"][0] for e in endpoints}
    assert groups == {"table", "blob"}


@pytest.mark.parametrize("profile", ["public", "private"])
def test_the_data_accounts_blob_service_logs_reach_log_analytics(profile: str) -> None:
    logs = only(model(profile), "Microsoft.Insights/diagnosticSettings")
    assert logs.body["scope"] == Handle("resource", "main/backupStorage", "blobService")
    assert {entry["category"] for entry in logs.properties["logs"]} == {"StorageRead", "StorageWrite", "StorageDelete"}
    assert logs.properties["workspaceId"] == Ref("main/monitoring", "workspace", None)
