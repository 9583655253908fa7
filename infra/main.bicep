// The Todo API on Azure: Function App (Flex Consumption, Python 3.11) over Table Storage,
// behind API Management, with monitoring. Identity-only access: no shared keys, no function
// keys, no secrets in plain text. The gateway reaches the app with its managed identity
// (App Service authentication on the app), so nothing here calls the Functions host.
// Without apiAppClientId it also creates the API's Entra ID registration (modules/entra.bicep).
// Deploy with `azd up` (docs/deploy.md: prerequisites, the providers pre-flight), or with rendered
// parameters: az deployment group validate, then what-if, then create, each with
//   -g <rg> --template-file infra/main.bicep --parameters @deploy.parameters.json
targetScope = 'resourceGroup'

// Lower-case letters and digits, starting with a letter: ^[a-z][a-z0-9]{1,9}$ (checked by the
// azd preprovision hook and the workflow; Bicep has no pattern decorator). Every derived name
// below stays valid for any such value (tests/infra/test_deployment_rules.py checks them).
@minLength(2)
@maxLength(10)
@description('Environment name, 2-10 lower-case letters and digits starting with a letter (dev, test, prod); part of every resource name.')
param environmentName string

param location string = resourceGroup().location

@minLength(3)
@description('API Management publisher contact (no default: set it per environment).')
param publisherEmail string
param publisherName string = 'Todo API'

@allowed([
  'BasicV2'
  'StandardV2'
])
param apimSku string = 'BasicV2'

@allowed([
  'public'
  'private'
])
@description('public: every service keeps its public endpoint, guarded by Entra ID. private: a virtual network, private endpoints and private DNS for storage, Key Vault and the Function App (no public network access), the app\'s outbound through the network, and the gateway\'s outbound integration (needs apimSku StandardV2). docs/private-network.md.')
param networkIsolation string = 'public'

@allowed([
  'production'
  'development'
])
@description('development only for an environment that is torn down and redeployed under the same name: its Key Vault is created without purge protection, so `azd down --purge` can purge it and the next deployment can reuse the name. production (the default): purge protection on, and a deleted vault keeps its name for the 7-day retention. docs/deploy.md, Upgrading and tearing down.')
param environmentKind string = 'production'

@allowed([
  'off'
  'on'
])
@description('on: the gateway records each caller\'s IP address in Application Insights request telemetry (personal data). Off unless an environment turns it on.')
param clientIpLogging string = 'off'

@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param storageSku string = 'Standard_LRS'

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@allowed([
  'jwt'
  'subscription'
])
@description('How callers authenticate at the gateway: Entra ID bearer tokens or subscription keys.')
param authMode string = 'jwt'

@description('Entra ID tenant that issues caller tokens and the gateway identity token.')
param tenantId string = subscription().tenantId

@description('Client id of an existing Entra ID app registration for this API. Empty (the default): the deployment creates the registration, its scope, app role and service principal itself (modules/entra.bicep, Microsoft Graph Bicep extension). It is the audience of caller tokens (authMode jwt) and of the gateway identity token the Function App accepts.')
param apiAppClientId string = ''

@description('Audience (application ID URI) of caller tokens; the bare client id is accepted too. Empty: the registration\'s own (api://<tenant id>/todo-api-<env>-<token> when the deployment creates it, api://<client id> for a given one).')
param audience string = ''

@description('Delegated scope callers must hold (scp claim) in authMode jwt.')
param apiScopeName string = 'Todo.ReadWrite'

@description('Client id of the Entra ID single-page-app registration the web page signs in with (authMode jwt); empty disables sign-in on the page.')
param webClientId string = ''

@description('Comma-separated browser origins allowed by CORS at the gateway; empty (the default) allows none, which is right when only the gateway-served web page calls the API.')
param allowedOrigins string = ''

@minValue(1)
@maxValue(300)
@description('Seconds a GET answer may be served from the gateway cache.')
param cacheDurationSeconds int = 10

@minValue(1)
param rateLimitCalls int = 300
@minValue(1)
@description('Calls per period one client IP may make before authentication (stops token-guessing floods before they cost a validation).')
param ipRateLimitCalls int = 600
@minValue(1)
param rateLimitPeriodSeconds int = 60

@secure()
@description('HMAC key for paging cursors, stored in Key Vault. A new one per deployment by default: outstanding next-page links then answer 400 and clients restart paging.')
param cursorKey string = newGuid() // checkov:skip=CKV_AZURE_131: newGuid() is generated per deployment, not a hard-coded value.

@description('NCRONTAB schedule (six fields, seconds first, UTC) of the housekeeping function.')
param housekeepingSchedule string = '0 */15 * * * *'

@description('NCRONTAB schedule (six fields, seconds first, UTC) of the daily table backup function.')
param backupSchedule string = '0 30 2 * * *'
@minValue(1)
@maxValue(146000)
@description('Days each backup blob stays immutable (the container\'s time-based retention policy: no overwrite, no delete).')
param backupImmutabilityDays int = 14
@minValue(1)
@maxValue(146000)
@description('Days after creation when lifecycle management deletes a backup blob; at least backupImmutabilityDays (checked before provisioning; the larger of the two applies).')
param backupRetentionDays int = 35
@description('true once the backup container\'s immutability policy has been locked (irreversible, docs/operations.md): the deployment then no longer declares the policy, which a PUT could not update.')
param backupImmutabilityLocked bool = false

@description('Email addresses the alerts notify (the action group\'s receivers); empty: alerts show in the portal only.')
param alertEmails array = []
@minValue(1)
@maxValue(100)
@description('Page when more than this percentage of API requests answer 5xx over 5 minutes.')
param alertServerErrorPercent int = 5
@minValue(1)
@description('The 5xx rate alert ignores 5-minute windows with fewer API requests than this.')
param alertMinRequests int = 20
@minValue(1)
@description('Alert when the p95 API latency stays above this many milliseconds in two evaluations in a row (15-minute windows).')
param alertLatencyP95Ms int = 1000
@minValue(1)
@description('Alert when the gateway answers 429 more than this many times in 5 minutes.')
param alertGateway429Count int = 100
@minValue(1)
@description('Alert when the gateway answers 401 more than this many times in 5 minutes.')
param alertGateway401Count int = 200
@minValue(1)
@description('Alert when more than this many Table transactions are throttled in 5 minutes.')
param alertStorageThrottleCount int = 10
@minValue(0)
@description('Alert when the housekeeping function fails more than this many times in an hour.')
param alertHousekeepingFailures int = 1
@minValue(25)
@maxValue(47)
@description('Alert when no backup run succeeded for this many hours (the daily schedule plus slack; the rule looks back two days).')
param alertBackupMaxAgeHours int = 26

var env = toLower(environmentName)
var isPrivate = networkIsolation == 'private'
var token = toLower(uniqueString(subscription().id, resourceGroup().id, env))
var tags = {
  'azd-env-name': environmentName
  application: 'todo-api'
  environment: env
}
var names = {
  workspace: 'log-${env}-${token}'
  appInsights: 'appi-${env}-${token}'
  hostStorage: take('sthost${token}', 24)
  dataStorage: take('stdata${token}', 24)
  keyVault: take('kv-${env}-${token}', 24)
  plan: 'plan-${env}-${token}'
  functionApp: 'func-todo-${env}-${token}'
  apim: 'apim-todo-${env}-${token}'
  gatewayIdentity: 'id-apim-${env}-${token}'
  network: 'vnet-todo-${env}-${token}'
}
var tableName = 'todo'
var deploymentContainerName = 'deployments'
var backupContainerName = 'backups'
var apiPath = 'todo'
// Known before APIM exists, so the app can emit gateway URLs without a circular dependency.
var publicBaseUrl = 'https://${names.apim}.azure-api.net/${apiPath}'

// The API's app registration (scope, gateway app role, service principal) unless one is given.
var createRegistration = empty(apiAppClientId)
module entra 'modules/entra.bicep' = if (createRegistration) {
  name: 'entra-registration'
  params: {
    uniqueName: 'todo-api-${env}-${token}'
    displayName: 'Todo API (${env})'
    tenantId: tenantId
    scopeName: apiScopeName
    gatewayPrincipalId: gatewayIdentity.properties.principalId
  }
}
var apiClientId = createRegistration ? entra.outputs.clientId : apiAppClientId
var apiAudience = empty(audience) ? (createRegistration ? entra.outputs.audience : 'api://${apiAppClientId}') : audience

// The identity API Management calls the Function App with. User-assigned so that its client id
// is known at deployment: App Service authentication on the app admits only this client.
resource gatewayIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: names.gatewayIdentity
  location: location
  tags: tags
}

// Private profile only: the network, its subnets and NSGs, and the private DNS zones.
module network 'modules/network.bicep' = if (isPrivate) {
  name: 'network'
  params: {
    location: location
    tags: tags
    name: names.network
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    tags: tags
    workspaceName: names.workspace
    appInsightsName: names.appInsights
  }
}

module hostStorage 'modules/storage.bicep' = {
  name: 'host-storage'
  params: {
    location: location
    tags: tags
    name: names.hostStorage
    sku: storageSku
    deploymentContainerName: deploymentContainerName
    workspaceId: monitoring.outputs.workspaceId
    privateNetwork: isPrivate
  }
}

module dataStorage 'modules/storage.bicep' = {
  name: 'data-storage'
  params: {
    location: location
    tags: tags
    name: names.dataStorage
    sku: storageSku
    tableName: tableName
    workspaceId: monitoring.outputs.workspaceId
    privateNetwork: isPrivate
  }
}

// The daily backup's container on the data account: write-once blobs, deleted after retention.
module backupStorage 'modules/backup-storage.bicep' = {
  name: 'backup-storage'
  params: {
    accountName: dataStorage.outputs.name
    workspaceId: monitoring.outputs.workspaceId
    containerName: backupContainerName
    immutabilityDays: backupImmutabilityDays
    retentionDays: backupRetentionDays
    immutabilityLocked: backupImmutabilityLocked
  }
}

module vault 'modules/keyvault.bicep' = {
  name: 'key-vault'
  params: {
    location: location
    tags: tags
    name: names.keyVault
    cursorKey: cursorKey
    workspaceId: monitoring.outputs.workspaceId
    privateNetwork: isPrivate
    purgeProtection: environmentKind != 'development'
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'function-app'
  params: {
    location: location
    tags: tags
    planName: names.plan
    appName: names.functionApp
    hostStorageName: hostStorage.outputs.name
    dataStorageName: dataStorage.outputs.name
    deploymentContainerName: deploymentContainerName
    keyVaultName: vault.outputs.name
    cursorKeyName: vault.outputs.cursorKeyName
    appInsightsName: monitoring.outputs.appInsightsName
    appInsightsConnectionString: monitoring.outputs.connectionString
    tableName: tableName
    publicBaseUrl: publicBaseUrl
    instanceMemoryMB: instanceMemoryMB
    tenantId: tenantId
    apiAppClientId: apiClientId
    apiAudience: apiAudience
    gatewayClientId: gatewayIdentity.properties.clientId
    gatewayPrincipalId: gatewayIdentity.properties.principalId
    webAuthMode: authMode == 'subscription' ? 'subscription' : (empty(webClientId) ? 'none' : 'entra')
    webClientId: webClientId
    webApiScope: '${apiAudience}/${apiScopeName}'
    housekeepingSchedule: housekeepingSchedule
    backupContainerName: backupStorage.outputs.containerName
    backupSchedule: backupSchedule
    privateNetwork: isPrivate
    integrationSubnetId: isPrivate ? network.outputs.appSubnetId : ''
  }
}

module apim 'modules/apim.bicep' = {
  name: 'api-management'
  params: {
    location: location
    tags: tags
    name: names.apim
    sku: apimSku
    publisherEmail: publisherEmail
    publisherName: publisherName
    functionAppHostName: functionApp.outputs.hostName
    gatewayIdentityId: gatewayIdentity.id
    gatewayIdentityClientId: gatewayIdentity.properties.clientId
    gatewayIdentityPrincipalId: gatewayIdentity.properties.principalId
    backendAudience: apiClientId
    authMode: authMode
    tenantId: tenantId
    apiAppClientId: apiClientId
    audience: apiAudience
    apiScopeName: apiScopeName
    allowedOrigins: empty(allowedOrigins) ? [] : split(allowedOrigins, ',')
    cacheDurationSeconds: cacheDurationSeconds
    rateLimitCalls: rateLimitCalls
    ipRateLimitCalls: ipRateLimitCalls
    rateLimitPeriodSeconds: rateLimitPeriodSeconds
    apiPath: apiPath
    appInsightsName: monitoring.outputs.appInsightsName
    appInsightsConnectionString: monitoring.outputs.connectionString
    workspaceId: monitoring.outputs.workspaceId
    logClientIp: clientIpLogging == 'on'
    privateNetwork: isPrivate
    integrationSubnetId: isPrivate ? network.outputs.gatewaySubnetId : ''
  }
}

// Private profile only: an endpoint (with its DNS zone group) for table and blob of both storage
// accounts, the Key Vault and the Function App.
module privateEndpoints 'modules/private-endpoints.bicep' = if (isPrivate) {
  name: 'private-endpoints'
  params: {
    location: location
    tags: tags
    namePrefix: 'pe'
    subnetId: isPrivate ? network.outputs.endpointSubnetId : ''
    hostStorageId: hostStorage.outputs.id
    hostStorageName: hostStorage.outputs.name
    dataStorageId: dataStorage.outputs.id
    dataStorageName: dataStorage.outputs.name
    vaultId: vault.outputs.id
    vaultName: vault.outputs.name
    appId: functionApp.outputs.id
    appName: functionApp.outputs.name
    tableZoneId: isPrivate ? network.outputs.tableZoneId : ''
    blobZoneId: isPrivate ? network.outputs.blobZoneId : ''
    vaultZoneId: isPrivate ? network.outputs.vaultZoneId : ''
    sitesZoneId: isPrivate ? network.outputs.sitesZoneId : ''
  }
}

// Alerts (to an action group of alertEmails) and the operations workbook.
module operations 'modules/operations.bicep' = {
  name: 'operations'
  params: {
    location: location
    tags: tags
    namePrefix: 'todo-${env}'
    workspaceId: monitoring.outputs.workspaceId
    apimName: apim.outputs.name
    dataStorageName: dataStorage.outputs.name
    alertEmails: alertEmails
    serverErrorPercent: alertServerErrorPercent
    minRequestsForErrorRate: alertMinRequests
    latencyP95Ms: alertLatencyP95Ms
    gateway429Count: alertGateway429Count
    gateway401Count: alertGateway401Count
    storageThrottleCount: alertStorageThrottleCount
    housekeepingFailureCount: alertHousekeepingFailures
    backupMaxAgeHours: alertBackupMaxAgeHours
  }
}

output API_GATEWAY_URL string = apim.outputs.gatewayUrl
output FUNCTION_APP_NAME string = functionApp.outputs.name
output FUNCTION_APP_HOST string = functionApp.outputs.hostName
output API_MANAGEMENT_NAME string = apim.outputs.name
output DATA_STORAGE_ACCOUNT string = dataStorage.outputs.name
output BACKUP_CONTAINER string = backupStorage.outputs.containerName
output KEY_VAULT_NAME string = vault.outputs.name
output RESOURCE_GROUP string = resourceGroup().name
output NETWORK_ISOLATION string = networkIsolation
output GATEWAY_PRINCIPAL_ID string = gatewayIdentity.properties.principalId
output API_APP_CLIENT_ID string = apiClientId
output API_AUDIENCE string = apiAudience
