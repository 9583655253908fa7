// The app's secret (the cursor signing key), readable only through RBAC by managed identities;
// every access is audited in Log Analytics.
param location string
param tags object
param name string
@secure()
param cursorKey string
param workspaceId string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  // checkov:skip=CKV_AZURE_109: no VNet in this reference; access requires Entra RBAC on the vault.
  // checkov:skip=CKV_AZURE_189: same reason; the app's Key Vault references and the gateway read it over the public endpoint with RBAC.
  // checkov:skip=CKV2_AZURE_32: private endpoints need a VNet, which this reference does not deploy.
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource cursorSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  // checkov:skip=CKV_AZURE_41: the cursor key is rotated by redeploying; an expiry would break paging links without warning.
  parent: vault
  name: 'cursor-key'
  properties: {
    value: cursorKey
    contentType: 'text/plain'
  }
}

resource auditLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: vault
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        categoryGroup: 'audit'
        enabled: true
      }
    ]
  }
}

output id string = vault.id
output name string = vault.name
output cursorKeyName string = cursorSecret.name
