// The app's secret (the cursor signing key), readable only through RBAC by managed identities;
// every access is audited in Log Analytics. Private profile (privateNetwork): public network
// access disabled; the app reaches it through its private endpoint.
param location string
param tags object
param name string
@secure()
param cursorKey string
param workspaceId string
@description('Private profile: no public endpoint; reached through a private endpoint only.')
param privateNetwork bool = false
@description('Purge protection (default on). Off only for a development environment: a deleted vault can then be purged (azd down --purge) and its name reused at once. Enabling it is irreversible and the property does not accept false, so off means not set.')
param purgeProtection bool = true

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  // checkov:skip=CKV_AZURE_109: public profile only (no VNet): access requires Entra RBAC on the vault; the private profile denies public access.
  // checkov:skip=CKV_AZURE_189: same reason; the private profile (networkIsolation) disables public network access.
  // checkov:skip=CKV_AZURE_110: purge protection is on by default; only environmentKind=development leaves it unset (tests/infra/test_network_profiles.py).
  // checkov:skip=CKV_AZURE_42: soft delete is always on (7 days); purge protection as CKV_AZURE_110.
  // checkov:skip=CKV2_AZURE_32: the private profile's endpoint is in modules/private-endpoints.bicep, which checkov cannot connect to this vault.
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
    enablePurgeProtection: purgeProtection ? true : null
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
