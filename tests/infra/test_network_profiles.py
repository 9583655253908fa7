"""The two network profiles, evaluated (tests/infra/bicep_model.py): the public profile deploys
exactly what it deployed before the private profile existed, and the private profile leaves no
public path to the data, the vault or the app: public network access off, every private endpoint
registered in the right privatelink zone linked to the network, every subnet with its NSG and the
delegation its user needs. Seeded defects, applied to a copy of infra/, prove each check fails
when its rule is broken.

The public snapshot (public_profile.json) was written from the templates as they were before the
private profile, with `python -m tests.infra.bicep_model public > tests/infra/public_profile.json`;
rewrite it the same way only for an intended change of the public profile (rewritten once since, for
the log alerts' skipQueryValidation, the gateway's TLS customProperties dropped and logClientIp
off by default; then for the app's token settings and Easy Auth's v2 issuer; then for the gateway
operations of the caller's export, erase and import; then for the daily backup's container,
immutability and lifecycle policies, blob logs, role, settings and alert; each diff was exactly
those lines)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.infra.bicep_model import PROFILES as PARAMETERS
from tests.infra.bicep_model import Model, Resource
from tests.infra.bicep_values import Handle, Ref, ResourceId, plain

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
SNAPSHOT = Path(__file__).with_name("public_profile.json")

# Learn, "Azure Private Endpoint private DNS zone values" (public cloud).
ZONE_FOR_GROUP = {
    "table": "privatelink.table.core.windows.net",
    "blob": "privatelink.blob.core.windows.net",
    "vault": "privatelink.vaultcore.azure.net",
    "sites": "privatelink.azurewebsites.net",
}
DATA_PLANE = ("Microsoft.Storage/storageAccounts", "Microsoft.KeyVault/vaults", "Microsoft.Web/sites")
# What must be reachable privately: (instance/symbol of the target, group id).
EXPECTED_ENDPOINTS = {
    ("main/hostStorage/account", "blob"),
    ("main/hostStorage/account", "table"),
    ("main/dataStorage/account", "table"),
    ("main/dataStorage/account", "blob"),
    ("main/vault/vault", "vault"),
    ("main/functionApp/app", "sites"),
}
APP_DELEGATION = "Microsoft.App/environments"
GATEWAY_DELEGATION = "Microsoft.Web/serverFarms"


@cache
def model(profile: str, infra: Path = INFRA) -> Model:
    return Model(infra, PARAMETERS[profile])


def only(model_: Model, type_name: str) -> Resource:
    (found,) = model_.of_type(type_name)
    return found


def public_access_problems(model_: Model) -> list[str]:
    problems = []
    for type_name in DATA_PLANE:
        for resource in model_.of_type(type_name):
            name = f"{resource.instance}/{resource.symbol}"
            access = resource.properties.get("publicNetworkAccess")
            if access != "Disabled":
                problems.append(f"{name} allows public network access ({access})")
            acls = resource.properties.get("networkAcls")
            if type_name != "Microsoft.Web/sites" and (acls or {}).get("defaultAction") != "Deny":
                problems.append(f"{name} network rules do not deny by default")
    return problems


def subnet(model_: Model, subnet_id: Any) -> dict[str, Any]:
    """The VNet's subnet a resourceId(...subnets, vnet, name) points at."""
    vnet = only(model_, "Microsoft.Network/virtualNetworks")
    assert isinstance(subnet_id, ResourceId), f"not a subnet id: {plain(subnet_id)}"
    assert subnet_id.type == "Microsoft.Network/virtualNetworks/subnets"
    assert subnet_id.names[0] == str(plain(vnet.body["name"])), subnet_id
    (found,) = [s for s in vnet.properties["subnets"] if s["name"] == subnet_id.names[1]]
    return dict(found)


def delegations(subnet_: dict[str, Any]) -> set[str]:
    return {d["properties"]["serviceName"] for d in subnet_["properties"].get("delegations", [])}


def endpoint_problems(model_: Model) -> list[str]:
    problems = []
    links = model_.of_type("Microsoft.Network/privateDnsZones/virtualNetworkLinks")
    vnet = only(model_, "Microsoft.Network/virtualNetworks")
    groups = model_.of_type("Microsoft.Network/privateEndpoints/privateDnsZoneGroups")
    served = set()
    for endpoint in model_.of_type("Microsoft.Network/privateEndpoints"):
        name = f"{endpoint.symbol}[{endpoint.index}]"
        (connection,) = endpoint.properties["privateLinkServiceConnections"]
        (group_id,) = connection["properties"]["groupIds"]
        target = connection["properties"]["privateLinkServiceId"]
        assert isinstance(target, Ref), plain(target)
        served.add((f"{target.instance}/{target.symbol}", group_id))
        if delegations(subnet(model_, endpoint.properties["subnet"]["id"])):
            problems.append(f"{name} sits in a delegated subnet")
        mine = [g for g in groups if g.body["parent"] == Handle("resource", endpoint.instance, endpoint.symbol,
                                                                endpoint.index)]
        if not mine:
            problems.append(f"{name} ({group_id}) has no DNS zone group")
            continue
        for config in [c for g in mine for c in g.properties["privateDnsZoneConfigs"]]:
            zone = model_.by_ref(config["properties"]["privateDnsZoneId"])
            if zone.body["name"] != ZONE_FOR_GROUP.get(group_id):
                problems.append(f"{name} ({group_id}) registers in {zone.body['name']}, not "
                                f"{ZONE_FOR_GROUP.get(group_id)}")
            linked = [link for link in links if link.body["parent"] == Handle("resource", zone.instance, zone.symbol)
                      and link.properties["virtualNetwork"]["id"] == vnet.ref]
            if not linked or any(link.properties.get("registrationEnabled") for link in linked):
                problems.append(f"{zone.body['name']} is not linked to the virtual network (without auto-registration)")
    for target, group_id in sorted(EXPECTED_ENDPOINTS - served):
        problems.append(f"no private endpoint for {group_id} of {target}")
    for target, group_id in sorted(served - EXPECTED_ENDPOINTS):
        problems.append(f"unexpected private endpoint for {group_id} of {target}")
    return problems


def subnet_problems(model_: Model) -> list[str]:
    problems = []
    vnet = only(model_, "Microsoft.Network/virtualNetworks")
    nsgs = {r.ref for r in model_.of_type("Microsoft.Network/networkSecurityGroups")}
    for entry in vnet.properties["subnets"]:
        if entry["properties"].get("networkSecurityGroup", {}).get("id") not in nsgs:
            problems.append(f"subnet {entry['name']} has no network security group of this deployment")
    app = only(model_, "Microsoft.Web/sites").properties
    if delegations(subnet(model_, app.get("virtualNetworkSubnetId"))) != {APP_DELEGATION}:
        problems.append(f"the app's integration subnet is not delegated to {APP_DELEGATION} alone")
    gateway = only(model_, "Microsoft.ApiManagement/service").properties
    gateway_subnet = subnet(model_, (gateway.get("virtualNetworkConfiguration") or {}).get("subnetResourceId"))
    if delegations(gateway_subnet) != {GATEWAY_DELEGATION}:
        problems.append(f"the gateway's integration subnet is not delegated to {GATEWAY_DELEGATION} alone")
    used = [app["virtualNetworkSubnetId"], gateway["virtualNetworkConfiguration"]["subnetResourceId"]]
    if len(set(used)) != len(used):
        problems.append("the app and the gateway share an integration subnet")
    return problems


def test_the_public_profile_deploys_exactly_what_it_did_before_the_private_profile() -> None:
    assert PARAMETERS["public"].get("networkIsolation", "public") == "public"
    snapshot = json.loads(SNAPSHOT.read_text())
    now = json.loads(json.dumps(model("public").snapshot()))
    assert sorted(now) == sorted(snapshot)
    for key, resource in snapshot.items():
        assert now[key] == resource, key
    assert not [r for r in model("public").deployed if r.type.startswith("Microsoft.Network/")]


def test_the_default_profile_is_public() -> None:
    default = Model(INFRA, {k: v for k, v in PARAMETERS["public"].items() if k != "networkIsolation"})
    assert default.snapshot() == model("public").snapshot()


def test_in_the_private_profile_no_data_plane_resource_allows_public_network_access() -> None:
    private = model("private")
    assert {r.type for r in private.deployed} >= set(DATA_PLANE)
    assert len(private.of_type("Microsoft.Storage/storageAccounts")) == 2
    assert public_access_problems(private) == []
    # ... which the check does say of the public profile: four resources open, three of them
    # with network rules that allow by default.
    assert len(public_access_problems(model("public"))) == 4 + 3


def test_every_private_endpoint_registers_in_its_services_zone_which_the_network_resolves() -> None:
    private = model("private")
    assert len(private.of_type("Microsoft.Network/privateEndpoints")) == len(EXPECTED_ENDPOINTS)
    assert endpoint_problems(private) == []
    assert {z.body["name"] for z in private.of_type("Microsoft.Network/privateDnsZones")} == set(
        ZONE_FOR_GROUP.values())


def test_every_subnet_has_its_nsg_and_the_delegation_its_user_needs() -> None:
    private = model("private")
    vnet = only(private, "Microsoft.Network/virtualNetworks")
    assert {s["name"] for s in vnet.properties["subnets"]} == {"app", "endpoints", "gateway"}
    assert subnet_problems(private) == []


def test_the_app_sends_its_outbound_traffic_through_the_network_and_the_gateway_integrates_with_it() -> None:
    app = only(model("private"), "Microsoft.Web/sites").properties
    assert app["vnetRouteAllEnabled"] is True
    assert subnet(model("private"), app["virtualNetworkSubnetId"])["name"] == "app"
    gateway = only(model("private"), "Microsoft.ApiManagement/service")
    assert gateway.body["sku"]["name"] == "StandardV2"
    assert gateway.properties["virtualNetworkType"] == "External"
    public_app = only(model("public"), "Microsoft.Web/sites").properties
    assert "virtualNetworkSubnetId" not in plain(public_app) and "vnetRouteAllEnabled" not in plain(public_app)


# (file, text in the real template, replacement, words one problem must contain)
SEEDED = {
    "public flag left on a storage account": (
        "modules/storage.bicep", "publicNetworkAccess: privateNetwork ? 'Disabled' : 'Enabled'",
        "publicNetworkAccess: 'Enabled'", public_access_problems, ["main/dataStorage/account", "public network"],
    ),
    "public flag left on the vault": (
        "modules/keyvault.bicep", "publicNetworkAccess: privateNetwork ? 'Disabled' : 'Enabled'",
        "publicNetworkAccess: 'Enabled'", public_access_problems, ["main/vault/vault", "public network"],
    ),
    "public flag left on the app": (
        "modules/functionapp.bicep", "publicNetworkAccess: privateNetwork ? 'Disabled' : 'Enabled'",
        "publicNetworkAccess: 'Enabled'", public_access_problems, ["main/functionApp/app", "public network"],
    ),
    "missing zone group": (
        "modules/private-endpoints.bicep", "= [for (e, i) in endpoints: {",
        "= [for (e, i) in endpoints: if(e.groupId != 'vault') {", endpoint_problems,
        ["endpoint[4] (vault) has no DNS zone group"],
    ),
    "wrong group id": (
        "modules/private-endpoints.bicep", "    target: dataStorageId\n    groupId: 'table'",
        "    target: dataStorageId\n    groupId: 'blob'", endpoint_problems,
        ["(blob) registers in privatelink.table.core.windows.net"],
    ),
    "zone not linked to the network": (
        "modules/network.bicep", "  parent: vaultZone\n", "  parent: sitesZone\n", endpoint_problems,
        ["privatelink.vaultcore.azure.net is not linked"],
    ),
    "gateway subnet without its delegation": (
        "modules/network.bicep", "serviceName: 'Microsoft.Web/serverFarms'", "serviceName: 'Microsoft.Web/sites'",
        subnet_problems, ["gateway's integration subnet is not delegated"],
    ),
    "subnet without its NSG": (
        "modules/network.bicep", "            id: endpointNsg.id\n", "            id: ''\n", subnet_problems,
        ["subnet endpoints has no network security group"],
    ),
}


@pytest.mark.parametrize("defect", list(SEEDED))
def test_each_seeded_defect_is_noticed(defect: str, tmp_path: Path) -> None:
    file, old, new, check, words = SEEDED[defect]
    copy = tmp_path / "infra"
    shutil.copytree(INFRA, copy)
    target = copy / file
    text = target.read_text()
    assert text.count(old) == 1, f"the defect's anchor is gone from {file}: {old!r}"
    target.write_text(text.replace(old, new))
    assert check(model("private")) == [], "the real templates must pass the same check"
    problems = check(Model(copy, PARAMETERS["private"]))
    assert any(all(word in problem for word in words) for problem in problems), problems


def test_the_wrong_group_id_also_leaves_a_service_without_its_endpoint(tmp_path: Path) -> None:
    copy = tmp_path / "infra"
    shutil.copytree(INFRA, copy)
    target = copy / "modules" / "private-endpoints.bicep"
    target.write_text(target.read_text().replace("    target: dataStorageId\n    groupId: 'table'",
                                                 "    target: dataStorageId\n    groupId: 'tables'"))
    problems = endpoint_problems(Model(copy, PARAMETERS["private"]))
    assert "no private endpoint for table of main/dataStorage/account" in problems
    assert any("(tables) registers in privatelink.table.core.windows.net, not None" in p for p in problems)


def _deploy_check(**env: str) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ["PATH"], "AZURE_ENV_NAME": "dev", "AZURE_LOCATION": "swedencentral",
            "TODO_PUBLISHER_EMAIL": "ops@contoso.test",
            "TODO_API_APP_CLIENT_ID": "00000000-0000-0000-0000-000000000001"}
    return subprocess.run(["bash", str(ROOT / "scripts" / "check_deploy_params.sh")], env={**base, **env},
                          capture_output=True, text=True, check=False, timeout=30)


def test_the_private_profile_with_basic_v2_is_refused_before_provisioning() -> None:
    refused = _deploy_check(TODO_NETWORK_ISOLATION="private")
    assert refused.returncode == 1
    assert "TODO_NETWORK_ISOLATION=private needs TODO_APIM_SKU=StandardV2" in refused.stderr
    assert _deploy_check(TODO_NETWORK_ISOLATION="private", TODO_APIM_SKU="BasicV2").returncode == 1
    assert _deploy_check(TODO_NETWORK_ISOLATION="private", TODO_APIM_SKU="StandardV2").returncode == 0
    assert _deploy_check().returncode == 0
    assert _deploy_check(TODO_NETWORK_ISOLATION="privat").returncode == 1
    main = model("private").root.tree["parameters"]
    allowed = next(d for d in main["networkIsolation"]["decorators"] if d["type"] == "allowed")["argument"]
    assert allowed == ["public", "private"] and main["networkIsolation"]["default"] == "public"
    parameters = json.loads((INFRA / "main.parameters.json").read_text())["parameters"]
    assert parameters["networkIsolation"]["value"] == "${TODO_NETWORK_ISOLATION=public}"


def test_the_workflow_previews_both_profiles_and_smoke_tests_from_outside() -> None:
    workflow = (ROOT / ".github" / "workflows" / "deploy.yml").read_text()
    assert "for profile in public private; do" in workflow
    assert ".parameters.networkIsolation.value = $p" in workflow
    smoke = workflow[workflow.index("\n  smoke:"):]
    assert "runs-on: ubuntu-latest" in smoke and "NETWORK_ISOLATION:" in smoke
    assert "DATA_STORAGE_ACCOUNT: ${{ needs.deploy.outputs.storage }}" in smoke


# -- first-deployment traps of the public profile (they hold in both profiles) ---------------------

@pytest.mark.parametrize("profile", ["public", "private"])
def test_log_alerts_skip_query_validation_so_they_deploy_into_an_empty_workspace(profile: str) -> None:
    # Azure validates a log alert's query at creation; a workspace created in the same deployment
    # has no AppRequests/AppExceptions table yet (Azure/bicep#11378, mspnp/aks-baseline#422).
    rules = model(profile).of_type("Microsoft.Insights/scheduledQueryRules")
    assert len(rules) == 4  # 5xx rate, p95 latency, housekeeping, backup
    assert all(rule.properties.get("skipQueryValidation") is True for rule in rules)
    assert all(rule.properties.get("enabled") is True for rule in rules)


@pytest.mark.parametrize("profile", ["public", "private"])
def test_api_management_v2_sets_no_tls_custom_properties(profile: str) -> None:
    # Learn "Manage protocols and ciphers in Azure API Management": the v2 tiers do not support
    # changing the cipher configuration, and the keys only restated the defaults.
    (service,) = model(profile).of_type("Microsoft.ApiManagement/service")
    assert "customProperties" not in service.properties
    text = (INFRA / "modules" / "apim.bicep").read_text()
    assert "Microsoft.WindowsAzure.ApiManagement.Gateway.Security" not in text


def test_client_ip_logging_is_off_unless_the_environment_turns_it_on() -> None:
    def logged(parameters: dict[str, Any]) -> Any:
        (diagnostic,) = Model(INFRA, parameters).of_type("Microsoft.ApiManagement/service/diagnostics")
        return diagnostic.properties["logClientIp"]

    assert logged(PARAMETERS["public"]) is False
    assert logged({**PARAMETERS["public"], "clientIpLogging": "on"}) is True


def test_purge_protection_is_on_unless_the_environment_says_it_is_for_development() -> None:
    def protection(parameters: dict[str, Any]) -> Any:
        (vault,) = Model(INFRA, parameters).of_type("Microsoft.KeyVault/vaults")
        return vault.properties.get("enablePurgeProtection")

    assert protection(PARAMETERS["public"]) is True
    assert protection({**PARAMETERS["private"], "environmentKind": "production"}) is True
    # The property does not accept false (enabling it is irreversible): development leaves it unset.
    assert protection({**PARAMETERS["public"], "environmentKind": "development"}) is None
    check = (ROOT / "scripts" / "check_deploy_params.sh").read_text()
    assert "TODO_ENVIRONMENT_KIND" in check and "TODO_CLIENT_IP_LOGGING" in check
