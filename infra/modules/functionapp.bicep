// The Function App on Flex Consumption: Python 3.11, HTTPS only, TLS 1.2, FTP and basic
// publishing off, a system-assigned identity, identity-based connections only, the least role
// assignments that work, and App Service authentication admitting only the gateway's identity
// (no function key: nothing here goes through the Functions host, which on Flex cannot start
// before code is deployed).
param location string
param tags object
param planName string
param appName string
param hostStorageName string
param dataStorageName string
param deploymentContainerName string
param keyVaultName string
param cursorKeyName string
param appInsightsName string
param appInsightsConnectionString string
param tableName string
param publicBaseUrl string
param maximumInstanceCount int = 40
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048
param perInstanceConcurrency int = 16
param tenantId string
@description('Client id of the app registration the gateway requests its token for (the audience Easy Auth expects).')
param apiAppClientId string
@description('Application id URI of the API\'s registration: with the client id, the audiences a token for the API may carry.')
param apiAudience string
@description('Client id (appid claim) and object id (oid claim) of the gateway managed identity: the only caller admitted.')
param gatewayClientId string
param gatewayPrincipalId string
@description('How the web page authenticates: entra (sign-in), subscription (asks for a key), none (jwt mode without a SPA registration).')
@allowed([
  'entra'
  'subscription'
  'none'
])
param webAuthMode string
param webClientId string
@description('NCRONTAB schedule of the housekeeping timer function (the app defaults to every 15 minutes without it).')
param housekeepingSchedule string
@description('The backup container on the data account (modules/backup-storage.bicep): the app may only create blobs in it.')
param backupContainerName string
@description('NCRONTAB schedule of the backup timer function.')
param backupSchedule string
param webApiScope string
@description('Private profile: no public endpoint (inbound through a private endpoint only) and outbound through the integration subnet.')
param privateNetwork bool = false
@description('Private profile: the subnet (delegated to Microsoft.App/environments) of the app\'s virtual network integration.')
param integrationSubnetId string = ''

// Built-in role definition ids (tests/infra check them against Microsoft's built-in role list).
// No queue role: the app is HTTP-only (queues are for Durable Functions and queue triggers).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource hostStorage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: hostStorageName
}

resource dataStorage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: dataStorageName
}

resource dataTables 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' existing = {
  parent: dataStorage
  name: 'default'
}

resource dataTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' existing = {
  parent: dataTables
  name: tableName
}

resource dataBlobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' existing = {
  parent: dataStorage
  name: 'default'
}

resource backupContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = {
  parent: dataBlobs
  name: backupContainerName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource cursorSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' existing = {
  parent: vault
  name: cursorKeyName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  // checkov:skip=CKV_AZURE_225: zone redundancy for Flex Consumption is region-dependent; enable it where offered for production.
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2023-12-01' = {
  // checkov:skip=CKV_AZURE_17: client certificates are not used; App Service authentication admits only the gateway's managed identity.
  // checkov:skip=CKV_AZURE_221: public profile only: the public endpoint answers 401 to any caller but the gateway's identity; the private profile disables public network access.
  // checkov:skip=CKV_AZURE_222: same reason; in the public profile API Management reaches the app over its public HTTPS endpoint with an Entra token.
  // checkov:skip=CKV_AZURE_212: Flex Consumption scales to zero by design (cost); set always-ready instances for latency-critical production.
  // checkov:skip=CKV_AZURE_213: the platform health check is not available on Flex Consumption; failures surface as 5xx in Application Insights.
  name: appName
  location: location
  tags: union(tags, {
    'azd-service-name': 'api'
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientCertEnabled: false
    // Private profile: inbound only through the private endpoint (public access off: Learn "Use
    // private endpoints for App Service apps"), outbound through the integration subnet. All
    // outbound traffic is routed into the network: Learn "Use Key Vault references" asks Linux
    // apps reaching a vault's private endpoint to route all traffic through the network.
    publicNetworkAccess: privateNetwork ? 'Disabled' : 'Enabled'
    virtualNetworkSubnetId: privateNetwork ? integrationSubnetId : null
    vnetRouteAllEnabled: privateNetwork ? true : null
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${hostStorage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        triggers: {
          http: {
            perInstanceConcurrency: perInstanceConcurrency
          }
        }
      }
      runtime: {
        name: 'python'
        version: '3.11'
      }
    }
  }
}

resource ftpPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2023-12-01' = {
  parent: app
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2023-12-01' = {
  parent: app
  name: 'scm'
  properties: {
    allow: false
  }
}

// Host storage: the deployment package and the host's own blobs and leases (Blob Data Owner)
// and its diagnostic events (Table Data Contributor).
resource hostBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hostStorage.id, app.id, roles.storageBlobDataOwner)
  scope: hostStorage
  properties: {
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
  }
}

resource hostTableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hostStorage.id, app.id, roles.storageTableDataContributor)
  scope: hostStorage
  properties: {
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
  }
}

// Data: the API's one table, nothing else in the account.
resource dataTableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(dataTable.id, app.id, roles.storageTableDataContributor)
  scope: dataTable
  properties: {
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
  }
}

// Backups: create blobs in the backup container, nothing else. Storage Blob Data Contributor
// (a built-in role the deployer may assign, docs/decisions/backup-writer-role.md) limited by a
// condition (Azure ABAC) that refuses its read (get and list), delete and move data actions in
// this container, leaving add/action (create a blob) and write (Put Block, Put Block List).
// Overwriting an existing backup is refused by the container's immutability policy.
var blobActions = 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs'
var backupWriterCondition = '((!(ActionMatches{\'${blobActions}/read\'}) AND !(ActionMatches{\'${blobActions}/delete\'}) AND !(ActionMatches{\'${blobActions}/move/action\'})) OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringNotEquals \'${backupContainerName}\'))'

resource backupWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(backupContainer.id, app.id, roles.storageBlobDataContributor)
  scope: backupContainer
  properties: {
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    description: 'Backup writer: create blobs only (no read, list, delete or move)'
    condition: backupWriterCondition
    conditionVersion: '2.0'
  }
}

// The cursor key, nothing else in the vault.
resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(cursorSecret.id, app.id, roles.keyVaultSecretsUser)
  scope: cursorSecret
  properties: {
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
  }
}

// Telemetry with Entra authentication (local auth is off on Application Insights).
resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, app.id, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
  }
}

// App settings in their own resource, applied only once the identity holds its roles: a Key
// Vault reference resolved before Key Vault Secrets User exists stays the literal
// '@Microsoft.KeyVault(...)' string (re-fetched only every 24 h). The reference names the
// secret version, so a new cursor key takes effect with the deployment that sets it.
resource appSettings 'Microsoft.Web/sites/config@2023-12-01' = {
  // checkov reads a sites/config child as if it were a whole site; these site-level checks do not apply to it:
  // checkov:skip=CKV_AZURE_13: authentication is the authsettingsV2 resource of this module.
  // checkov:skip=CKV_AZURE_63: HTTP logging is an App Service (web) log; Functions telemetry goes to Application Insights.
  // checkov:skip=CKV_AZURE_65: detailed error pages are an App Service (web) setting; the API answers RFC 9457 problems itself.
  // checkov:skip=CKV_AZURE_66: failed request tracing is an IIS (Windows web) feature; this is a Linux function app.
  // checkov:skip=CKV_AZURE_80: no .NET Framework in a Python app.
  // checkov:skip=CKV_AZURE_88: Flex Consumption deploys from a blob container, not Azure Files.
  // checkov:skip=CKV_AZURE_222: public network access is a property of the site (see the skip on app).
  parent: app
  name: 'appsettings'
  properties: {
    AzureWebJobsStorage__accountName: hostStorage.name
    AzureWebJobsStorage__credential: 'managedidentity'
    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'
    // The worker configures azure-monitor-opentelemetry itself and continues the host's trace
    // (learn.microsoft.com/azure/azure-functions/opentelemetry-howto); host.json sets telemetryMode.
    PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY: 'true'
    TODO_HOUSEKEEPING_SCHEDULE: housekeepingSchedule
    TODO_STORAGE__tableServiceUri: dataStorage.properties.primaryEndpoints.table
    // The daily backup (functions/backup): same identity-based connection, blob endpoint.
    TODO_STORAGE__blobServiceUri: dataStorage.properties.primaryEndpoints.blob
    TODO_BACKUP_CONTAINER: backupContainerName
    TODO_BACKUP_SCHEDULE: backupSchedule
    TODO_TABLE_NAME: tableName
    TODO_OWNER_HEADER_REQUIRED: 'true'
    PUBLIC_BASE_URL: publicBaseUrl
    TODO_CURSOR_KEY: '@Microsoft.KeyVault(SecretUri=${cursorSecret.properties.secretUriWithVersion})'
    // The app's own check of the gateway's bearer token (shared/web/caller_token.py): the gateway
    // identity's object and client ids, the tenant whose keys sign it, the audiences it may carry.
    TODO_TRUSTED_CALLER_ID: gatewayPrincipalId
    TODO_TRUSTED_CALLER_CLIENT_ID: gatewayClientId
    TODO_TOKEN_TENANT_ID: tenantId
    TODO_TOKEN_AUDIENCES: '${apiAppClientId},${apiAudience}'
    TODO_TOKEN_KEYS_URL: '${environment().authentication.loginEndpoint}${tenantId}/discovery/v2.0/keys'
    TODO_WEB_AUTH_MODE: webAuthMode
    TODO_WEB_CLIENT_ID: webClientId
    TODO_WEB_TENANT_ID: tenantId
    TODO_WEB_API_SCOPE: webApiScope
  }
  dependsOn: [
    hostBlobOwner
    hostTableContributor
    dataTableContributor
    backupWriter
    secretsUser
    metricsPublisher
  ]
}

// App Service authentication: every request needs an Entra token for the API's app
// registration, issued to the gateway's managed identity; anything else is 401 before the
// worker runs, so the owner header the gateway sets cannot be forged by calling the app.
resource authentication 'Microsoft.Web/sites/config@2023-12-01' = {
  // checkov reads a sites/config child as if it were a whole site; these site-level checks do not apply to it:
  // checkov:skip=CKV_AZURE_13: authentication is the authsettingsV2 resource of this module.
  // checkov:skip=CKV_AZURE_63: HTTP logging is an App Service (web) log; Functions telemetry goes to Application Insights.
  // checkov:skip=CKV_AZURE_65: detailed error pages are an App Service (web) setting; the API answers RFC 9457 problems itself.
  // checkov:skip=CKV_AZURE_66: failed request tracing is an IIS (Windows web) feature; this is a Linux function app.
  // checkov:skip=CKV_AZURE_80: no .NET Framework in a Python app.
  // checkov:skip=CKV_AZURE_88: Flex Consumption deploys from a blob container, not Azure Files.
  // checkov:skip=CKV_AZURE_222: public network access is a property of the site (see the skip on app).
  parent: app
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: apiAppClientId
          // The v2 issuer: the registration the deployment creates asks for v2 tokens
          // (requestedAccessTokenVersion 2), so the gateway identity's token carries exactly this.
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            apiAppClientId
            apiAudience
          ]
          defaultAuthorizationPolicy: {
            allowedApplications: [
              gatewayClientId
            ]
            allowedPrincipals: {
              identities: [
                gatewayPrincipalId
              ]
            }
          }
        }
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
  }
}

output id string = app.id
output name string = app.name
output hostName string = app.properties.defaultHostName
output principalId string = app.identity.principalId
