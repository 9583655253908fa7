// The Todo API on Azure: Function App (Flex Consumption, Python 3.11) over Table Storage,
// behind API Management, with monitoring. Identity-only access: no shared keys, no secrets
// in plain text. Deploy with:
//   az deployment group create -g <rg> --template-file infra/main.bicep --parameters @infra/main.parameters.json
targetScope = 'resourceGroup'

@minLength(1)
@maxLength(16)
@description('Short environment name (dev, test, prod); part of every resource name.')
param environmentName string

param location string = resourceGroup().location

@description('API Management publisher contact.')
param publisherEmail string
param publisherName string = 'Todo API'

@allowed([
  'BasicV2'
  'StandardV2'
])
param apimSku string = 'BasicV2'

@allowed([
  'jwt'
  'subscription'
])
@description('How callers authenticate at the gateway: Entra ID bearer tokens or subscription keys.')
param authMode string = 'jwt'

@description('Entra ID tenant that issues caller tokens (authMode jwt).')
param tenantId string = subscription().tenantId

@description('Audience (application ID URI or client id) the tokens must be issued for (authMode jwt).')
param audience string = 'api://todo-api'

@description('Browser origins allowed by CORS at the gateway.')
param allowedOrigins array = [
  'https://localhost:5173'
]

@minValue(1)
@maxValue(300)
@description('Seconds a GET answer may be served from the gateway cache.')
param cacheDurationSeconds int = 10

param rateLimitCalls int = 300
param rateLimitPeriodSeconds int = 60

@secure()
@description('HMAC key for paging cursors, stored in Key Vault. A new one per deployment by default: outstanding next-page links then answer 400 and clients restart paging.')
param cursorKey string = newGuid() // checkov:skip=CKV_AZURE_131: newGuid() is generated per deployment, not a hard-coded value.

var token = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var tags = {
  'azd-env-name': environmentName
  application: 'todo-api'
  environment: environmentName
}
var names = {
  workspace: 'log-${environmentName}-${token}'
  appInsights: 'appi-${environmentName}-${token}'
  hostStorage: take('sthost${token}', 24)
  dataStorage: take('stdata${token}', 24)
  keyVault: take('kv-${environmentName}-${token}', 24)
  plan: 'plan-${environmentName}-${token}'
  functionApp: 'func-todo-${environmentName}-${token}'
  apim: 'apim-todo-${environmentName}-${token}'
}
var tableName = 'todo'
var deploymentContainerName = 'deployments'
var apiPath = 'todo'
// Known before APIM exists, so the app can emit gateway URLs without a circular dependency.
var publicBaseUrl = 'https://${names.apim}.azure-api.net/${apiPath}'

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
    deploymentContainerName: deploymentContainerName
  }
}

module dataStorage 'modules/storage.bicep' = {
  name: 'data-storage'
  params: {
    location: location
    tags: tags
    name: names.dataStorage
    tableName: tableName
  }
}

module vault 'modules/keyvault.bicep' = {
  name: 'key-vault'
  params: {
    location: location
    tags: tags
    name: names.keyVault
    cursorKey: cursorKey
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
    appInsightsName: monitoring.outputs.appInsightsName
    appInsightsConnectionString: monitoring.outputs.connectionString
    tableName: tableName
    publicBaseUrl: publicBaseUrl
    cursorKeySecretUri: vault.outputs.cursorKeySecretUri
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
    functionAppName: functionApp.outputs.name
    functionAppHostName: functionApp.outputs.hostName
    authMode: authMode
    tenantId: tenantId
    audience: audience
    allowedOrigins: allowedOrigins
    cacheDurationSeconds: cacheDurationSeconds
    rateLimitCalls: rateLimitCalls
    rateLimitPeriodSeconds: rateLimitPeriodSeconds
    apiPath: apiPath
  }
}

output API_GATEWAY_URL string = apim.outputs.gatewayUrl
output FUNCTION_APP_NAME string = functionApp.outputs.name
output API_MANAGEMENT_NAME string = apim.outputs.name
output DATA_STORAGE_ACCOUNT string = dataStorage.outputs.name
output KEY_VAULT_NAME string = vault.outputs.name
output RESOURCE_GROUP string = resourceGroup().name
