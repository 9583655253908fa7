"""No manual step: without apiAppClientId the deployment creates the API's app registration (its
application id URI, the delegated scope, the gateway's app role), its service principal and the
gateway identity's role assignment (infra/modules/entra.bicep, Microsoft Graph Bicep extension),
and every consumer (Easy Auth, the gateway, the app's own token check, the web page) uses what
it created. Given an existing registration's client id, nothing is created in Entra ID."""

from __future__ import annotations

import json
import shutil
from functools import cache
from pathlib import Path
from typing import Any

import tools.bicep_typecheck as typecheck
from tests.infra.bicep_model import REQUIRED, Model, Resource
from tests.infra.bicep_values import Ref, plain
from tools.bicep_typecheck.grammar import extensions

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
CREATED = {k: v for k, v in REQUIRED.items() if k != "apiAppClientId"}
GIVEN = dict(REQUIRED)


@cache
def model(given_registration: bool) -> Model:
    return Model(INFRA, GIVEN if given_registration else CREATED)


def one(found: list[Resource]) -> Resource:
    assert len(found) == 1, found
    return found[0]


def text(value: Any) -> str:
    return json.dumps(plain(value))


def test_without_a_client_id_the_deployment_creates_registration_principal_and_role_assignment() -> None:
    created = model(False)
    assert "main/entra" in created.deployed_modules
    app = one(created.of_type("Microsoft.Graph/applications"))
    principal = one(created.of_type("Microsoft.Graph/servicePrincipals"))
    grant = one(created.of_type("Microsoft.Graph/appRoleAssignedTo"))
    body = app.body
    assert body["signInAudience"] == "AzureADMyOrg"
    # v2 tokens whatever the endpoint: issuer .../<tenant>/v2.0, audience the client id.
    assert body["api"]["requestedAccessTokenVersion"] == 2
    (scope,) = body["api"]["oauth2PermissionScopes"]
    assert scope["value"] == "Todo.ReadWrite" and scope["type"] == "User" and scope["isEnabled"] is True
    (role,) = body["appRoles"]
    assert role["allowedMemberTypes"] == ["Application"] and role["value"] == "Todo.Gateway"
    # api://<tenant id>/<string>: an identifier URI form Entra ID accepts for new registrations.
    (uri,) = body["identifierUris"]
    assert text(uri).startswith('"expr:api://{expr:expr:subscription(None).tenantId}/{expr:todo-api-dev-')
    assert "todo-api-dev-" in text(body["uniqueName"])
    # Without the service principal the gateway's token request fails (AADSTS500011).
    assert text(principal.body["appId"]) == '"expr:main/entra/apiApp.appId"'
    assert grant.body["resourceId"] == Ref("main/entra", "apiPrincipal", None)
    assert text(grant.body["appRoleId"]) == text(role["id"])
    assert "main/gatewayIdentity.properties.principalId" in text(grant.body["principalId"])


def test_every_consumer_uses_the_created_registration() -> None:
    created = model(False)
    (settings,) = [r for r in created.of_type("Microsoft.Web/sites/config") if r.body["name"] == "appsettings"]
    values = settings.properties
    client_id = "main/entra/apiApp.appId"  # the created registration's client id, as evaluated
    uri = "api://{expr:expr:subscription(None).tenantId}/{expr:todo-api-dev-"  # its identifier URI
    audiences = text(values["TODO_TOKEN_AUDIENCES"])
    assert audiences.startswith(f'"expr:{{expr:{client_id}}},{{expr:{uri}')
    assert uri in text(values["TODO_WEB_API_SCOPE"])
    (auth,) = [r for r in created.of_type("Microsoft.Web/sites/config") if r.body["name"] == "authsettingsV2"]
    entra = auth.properties["identityProviders"]["azureActiveDirectory"]
    assert client_id in text(entra["registration"]["clientId"])
    first, second = entra["validation"]["allowedAudiences"]
    assert client_id in text(first) and uri in text(second)
    policy = one(created.of_type("Microsoft.ApiManagement/service/apis/policies"))
    assert client_id in text(policy.properties["value"]) and uri in text(policy.properties["value"])


def test_a_given_registration_creates_nothing_in_entra_id() -> None:
    given = model(True)
    assert "main/entra" not in given.deployed_modules
    assert not [r for r in given.deployed if r.type.startswith("Microsoft.Graph/")]


def test_the_graph_template_is_type_checked_like_every_other(tmp_path: Path) -> None:
    assert extensions((INFRA / "modules" / "entra.bicep").read_text()) == ["microsoftGraphV1"]
    config = json.loads((INFRA / "bicepconfig.json").read_text())
    assert config["extensions"]["microsoftGraphV1"] == "br:mcr.microsoft.com/bicep/extensions/microsoftgraph/v1.0:1.0.0"
    if not typecheck.DEFAULT_TYPES.is_dir():
        return
    copy = tmp_path / "infra"
    shutil.copytree(INFRA, copy)
    target = copy / "modules" / "entra.bicep"
    target.write_text(target.read_text().replace("requestedAccessTokenVersion: 2", "requestedAccessTokenVersion: '2'")
                      .replace("extension microsoftGraphV1\n", "\n"))
    problems = [str(p) for p in typecheck.check(copy, typecheck.DEFAULT_TYPES)[0]]
    assert any("modules/entra.bicep:" in p and "api.requestedAccessTokenVersion" in p and "expects int" in p
               for p in problems), problems
    assert any("needs `extension microsoftGraphV1`" in p for p in problems), problems


def test_check_infra_leaves_only_extension_files_out_of_checkov_and_says_so() -> None:
    script = (ROOT / "scripts" / "check_infra.sh").read_text()
    assert "grep -rlE '^extension[[:space:]]+' infra" in script
    assert 'echo "checkov: not scanned: $file' in script
    assert 'problems.append("checkov could not parse some files")' in script
    extension_files = [p for p in INFRA.rglob("*.bicep") if extensions(p.read_text())]
    assert extension_files == [INFRA / "modules" / "entra.bicep"]
