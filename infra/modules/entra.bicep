// The API's Entra ID app registration, created by the deployment itself (Microsoft Graph Bicep
// extension, v1.0 types 1.0.0; Bicep 0.36.1 or later): the registration with its application id
// URI, the delegated scope callers' tokens must hold (authMode jwt), the app role the gateway's
// managed identity is given, the service principal (without it the gateway's token request fails
// with AADSTS500011) and that role assignment. Deployed by main.bicep when apiAppClientId is empty.
// Graph objects are not Azure resources: they outlive `azd down` (see docs/deploy.md).
// The deploying identity needs, in Entra ID: a user, the Application Developer role (or the
// tenant's default "users can register applications"); a workload identity (the workflow), the
// Microsoft Graph application permission Application.ReadWrite.OwnedBy, granted by an admin;
// assigning the app role to the gateway identity needs AppRoleAssignment.ReadWrite.All or
// ownership of the API's service principal, which the creator of both has.
// pycep (checkov's parser) cannot read `extension`: tools/bicep_typecheck and the infra tests
// read this file with that one line blanked; checkov skips it (scripts/check_infra.sh says so).
extension microsoftGraphV1

@description('Unique name of the registration in the tenant: the key that makes redeployments update it rather than create another.')
param uniqueName string
param displayName string
param tenantId string
@description('Delegated scope callers must hold (scp claim), e.g. Todo.ReadWrite.')
param scopeName string
@description('Object id of the gateway\'s managed identity, given the gateway app role.')
param gatewayPrincipalId string

// api://<tenant id>/<string> is one of the identifier URI forms Entra ID accepts for new
// registrations (Learn, "Restrictions on identifier URIs of Microsoft Entra applications").
var identifierUri = 'api://${tenantId}/${uniqueName}'
var scopeId = guid(tenantId, uniqueName, 'scope', scopeName)
var gatewayRoleId = guid(tenantId, uniqueName, 'app-role', 'Todo.Gateway')

resource apiApp 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: uniqueName
  displayName: displayName
  signInAudience: 'AzureADMyOrg'
  identifierUris: [
    identifierUri
  ]
  api: {
    // v2 access tokens whatever endpoint a client uses: issuer
    // https://login.microsoftonline.com/<tenant>/v2.0 and audience the client id, which App
    // Service authentication's v2 issuer matches (Graph, apiApplication: requestedAccessTokenVersion).
    requestedAccessTokenVersion: 2
    oauth2PermissionScopes: [
      {
        id: scopeId
        value: scopeName
        type: 'User'
        isEnabled: true
        adminConsentDisplayName: 'Read and write your todo lists'
        adminConsentDescription: 'Lets the app read and write the signed-in user\'s todo lists and items.'
        userConsentDisplayName: 'Read and write your todo lists'
        userConsentDescription: 'Lets the app read and write your todo lists and items.'
      }
    ]
  }
  appRoles: [
    {
      id: gatewayRoleId
      value: 'Todo.Gateway'
      displayName: 'Todo API gateway'
      description: 'The API Management gateway calling the Function App with its managed identity.'
      allowedMemberTypes: [
        'Application'
      ]
      isEnabled: true
    }
  ]
}

resource apiPrincipal 'Microsoft.Graph/servicePrincipals@v1.0' = {
  appId: apiApp.appId
}

resource gatewayRole 'Microsoft.Graph/appRoleAssignedTo@v1.0' = {
  appRoleId: gatewayRoleId
  principalId: gatewayPrincipalId
  resourceId: apiPrincipal.id
}

output clientId string = apiApp.appId
output audience string = identifierUri
output gatewayRole string = gatewayRole.appRoleId
