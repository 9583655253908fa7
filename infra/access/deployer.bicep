// The rights of the identity that deploys infra/main.bicep (the workflow's federated identity,
// or a person running azd), granted once per resource group by someone who holds Owner or User
// Access Administrator there:
//   az deployment group create -g <rg> --template-file infra/access/deployer.bicep \
//     --parameters deployerPrincipalId=<object id> [deployerPrincipalType=User]
// Contributor creates the resources. Role Based Access Control Administrator lets it create the
// templates' role assignments, limited by a condition (Azure ABAC, Learn "Delegate Azure role
// assignment management to others with conditions") to exactly the built-in roles the templates
// assign, given to service principals (the managed identities) only: it cannot grant itself or
// anyone else Owner, Contributor or any other role. tests/infra/test_deployment_rules.py keeps
// the list equal to the roles the templates assign.
targetScope = 'resourceGroup'

@minLength(36)
@maxLength(36)
@description('Object id of the deploying identity (service principal of the workflow\'s app registration, or a user).')
param deployerPrincipalId string

@allowed([
  'ServicePrincipal'
  'User'
  'Group'
])
param deployerPrincipalType string = 'ServicePrincipal'

var roles = {
  contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c'
  roleBasedAccessControlAdministrator: 'f58310d9-a9f6-439a-9e8d-f62e7b41a168'
}
// The roles infra/main.bicep and its modules assign (and nothing else).
var assignableRoles = [
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
  'ba92f5b4-2d11-453d-a403-e96b0029c9fe' // Storage Blob Data Contributor (the backup writer, with its own condition)
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
  '4633458b-17de-408a-b874-0445c86b69e6' // Key Vault Secrets User
  '3913510d-42f4-4e42-8a64-420c390055eb' // Monitoring Metrics Publisher
]
var roleList = join(assignableRoles, ', ')
var writeCondition = '((!(ActionMatches{\'Microsoft.Authorization/roleAssignments/write\'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${roleList}} AND @Request[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {\'ServicePrincipal\'}))'
var deleteCondition = '((!(ActionMatches{\'Microsoft.Authorization/roleAssignments/delete\'})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${roleList}}))'

resource contributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, deployerPrincipalId, roles.contributor)
  properties: {
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.contributor)
    description: 'Deploys infra/main.bicep'
  }
}

resource roleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, deployerPrincipalId, roles.roleBasedAccessControlAdministrator)
  properties: {
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.roleBasedAccessControlAdministrator)
    description: 'Only the roles infra/main.bicep assigns, only to service principals'
    condition: '${writeCondition} AND ${deleteCondition}'
    conditionVersion: '2.0'
  }
}

output assignableRoles array = assignableRoles
