// A storage account reachable only with Entra identities: shared keys off, HTTPS and TLS 1.2,
// no public blob access. Optionally the API's table and the Flex deployment container, each
// service's read/write/delete logs sent to Log Analytics (who touched the data, and when).
// Private profile (privateNetwork): public network access disabled; the account is reached
// only through its private endpoints (modules/private-endpoints.bicep).
param location string
param tags object
param name string
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param sku string = 'Standard_LRS'
param tableName string = ''
param deploymentContainerName string = ''
param workspaceId string
@description('Private profile: no public endpoint; reached through private endpoints only.')
param privateNetwork bool = false

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  // checkov:skip=CKV_AZURE_35: public profile only: Flex Consumption reaches storage over public endpoints without a VNet; access needs an Entra identity and RBAC (shared keys are off). The private profile denies public access.
  // checkov:skip=CKV_AZURE_59: same reason as CKV_AZURE_35; the private profile (networkIsolation) disables public network access.
  // checkov:skip=CKV_AZURE_206: LRS is a deliberate cost choice for this reference; use ZRS/GZRS for production data.
  // checkov:skip=CKV_AZURE_33: queue service logging is not used; the account holds tables and the deployment package.
  // checkov:skip=CKV2_AZURE_1: customer-managed keys are out of scope; Microsoft-managed encryption at rest applies.
  // checkov:skip=CKV2_AZURE_33: the private profile's endpoints are in modules/private-endpoints.bicep, which checkov cannot connect to this account.
  // checkov:skip=CKV2_AZURE_38: soft delete for blobs is not needed for a replaceable deployment package.
  // checkov:skip=CKV2_AZURE_40: shared key authorization is disabled (allowSharedKeyAccess false); the check misreads it.
  // checkov:skip=CKV2_AZURE_41: SAS is unusable with shared keys off, so no SAS expiration policy is needed.
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: sku
  }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    defaultToOAuthAuthentication: true
    publicNetworkAccess: privateNetwork ? 'Disabled' : 'Enabled'
    networkAcls: privateNetwork ? {
      defaultAction: 'Deny'
      bypass: 'None'
    } : {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = if (!empty(tableName)) {
  parent: account
  name: 'default'
}

resource table 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = if (!empty(tableName)) {
  parent: tableService
  name: tableName
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = if (!empty(deploymentContainerName)) {
  parent: account
  name: 'default'
}

resource container 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = if (!empty(deploymentContainerName)) {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

var serviceLogs = [
  {
    category: 'StorageRead'
    enabled: true
  }
  {
    category: 'StorageWrite'
    enabled: true
  }
  {
    category: 'StorageDelete'
    enabled: true
  }
]

resource tableLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (!empty(tableName)) {
  name: 'to-log-analytics'
  scope: tableService
  properties: {
    workspaceId: workspaceId
    logs: serviceLogs
  }
}

resource blobLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (!empty(deploymentContainerName)) {
  name: 'to-log-analytics'
  scope: blobService
  properties: {
    workspaceId: workspaceId
    logs: serviceLogs
  }
}

output id string = account.id
output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
output tableEndpoint string = account.properties.primaryEndpoints.table
