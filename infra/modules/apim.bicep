// API Management in front of the Function App: caller authentication, the trusted owner
// header, rate limits by client IP (before authentication) and by owner (after it), CORS,
// response caching of GETs, telemetry to Application Insights and gateway logs to Log
// Analytics. The gateway calls the app with its user-assigned managed identity
// (authentication-managed-identity): no function key, no shared secret.
// SKU BasicV2: the smallest tier whose built-in cache and rate-limit-by-key work.
param location string
param tags object
param name string
@allowed([
  'BasicV2'
  'StandardV2'
])
param sku string = 'BasicV2'
param publisherEmail string
param publisherName string
param functionAppHostName string
param gatewayIdentityId string
param gatewayIdentityClientId string
param gatewayIdentityPrincipalId string
@description('Client id of the app registration the Function App accepts tokens for (the resource the gateway asks a token for).')
param backendAudience string
@allowed([
  'jwt'
  'subscription'
])
param authMode string
param tenantId string
param apiAppClientId string
param audience string
param apiScopeName string
param allowedOrigins array
param cacheDurationSeconds int
param rateLimitCalls int
param ipRateLimitCalls int
param rateLimitPeriodSeconds int
param apiPath string = 'todo'
param appInsightsName string
param appInsightsConnectionString string
param workspaceId string
@description('Record each caller\'s IP address in Application Insights request telemetry (personal data; off unless an environment turns it on).')
param logClientIp bool = false
@description('Private profile: outbound (VNet) integration, so that the gateway reaches the app\'s private endpoint; Standard v2 or above.')
param privateNetwork bool = false
@description('Private profile: the subnet delegated to Microsoft.Web/serverFarms for the gateway\'s outbound integration.')
param integrationSubnetId string = ''

var backendId = 'todo-functions'
var routes = loadJsonContent('../routes.json')
var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'
var originsXml = '<origin>${join(allowedOrigins, '</origin><origin>')}</origin>'
var corsXml = empty(allowedOrigins) ? '' : replace(loadTextContent('../policies/cors.xml'), '__ALLOWED_ORIGINS__', originsXml)
var authSnippet = authMode == 'jwt' ? loadTextContent('../policies/auth-jwt.xml') : loadTextContent('../policies/auth-subscription.xml')
var authXml = replace(replace(replace(replace(authSnippet, '__TENANT_ID__', tenantId), '__AUDIENCE__', audience), '__API_CLIENT_ID__', apiAppClientId), '__API_SCOPE__', apiScopeName)
var backendAuthXml = replace(replace(loadTextContent('../policies/backend-auth.xml'), '__BACKEND_AUDIENCE__', backendAudience), '__GATEWAY_CLIENT_ID__', gatewayIdentityClientId)
var ipLimitXml = replace(replace(loadTextContent('../policies/ip-rate-limit.xml'), '__IP_RATE_LIMIT_CALLS__', string(ipRateLimitCalls)), '__RATE_LIMIT_PERIOD__', string(rateLimitPeriodSeconds))
var apiPolicy = replace(replace(replace(replace(replace(replace(replace(loadTextContent('../policies/api.xml'), '<!--CORS-->', corsXml), '<!--IP_RATE_LIMIT-->', ipLimitXml), '<!--AUTHENTICATION-->', authXml), '<!--BACKEND_AUTHENTICATION-->', backendAuthXml), '__RATE_LIMIT_CALLS__', string(rateLimitCalls)), '__RATE_LIMIT_PERIOD__', string(rateLimitPeriodSeconds)), '__BACKEND_ID__', backendId)
var publicPolicy = replace(replace(replace(loadTextContent('../policies/public.xml'), '<!--IP_RATE_LIMIT-->', ipLimitXml), '<!--BACKEND_AUTHENTICATION-->', backendAuthXml), '__BACKEND_ID__', backendId)
// Jwt mode: callers differ by their token; subscription mode: by their subscription (developer).
var varyByCaller = authMode == 'jwt' ? '<vary-by-header>Authorization</vary-by-header>' : ''
var cachePolicy = replace(replace(replace(loadTextContent('../policies/get-cache.xml'), '__CACHE_DURATION__', string(cacheDurationSeconds)), '__VARY_BY_DEVELOPER__', authMode == 'jwt' ? 'false' : 'true'), '<!--VARY_BY_CALLER-->', varyByCaller)

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource service 'Microsoft.ApiManagement/service@2024-05-01' = {
  // checkov:skip=CKV_AZURE_174: the gateway is the public entry point of the API by design.
  // checkov:skip=CKV_AZURE_107: the gateway is the intended public edge; v2 tiers have no inbound VNet injection below Premium v2 (the private profile integrates its outbound side).
  name: name
  location: location
  tags: tags
  sku: {
    name: sku
    capacity: 1
  }
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${gatewayIdentityId}': {}
    }
  }
  properties: {
    publisherEmail: publisherEmail
    publisherName: publisherName
    // Private profile: outbound integration of a v2 tier (the gateway stays public; Learn "Integrate
    // an Azure API Management instance with a private virtual network for outbound connections").
    virtualNetworkType: privateNetwork ? 'External' : null
    virtualNetworkConfiguration: privateNetwork ? {
      subnetResourceId: integrationSubnetId
    } : null
  }
}

// The gateway identity publishes telemetry with Entra authentication (local auth is off on
// Application Insights).
resource telemetryPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, gatewayIdentityId, monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    principalId: gatewayIdentityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
  }
}

resource logger 'Microsoft.ApiManagement/service/loggers@2024-05-01' = {
  parent: service
  name: 'app-insights'
  properties: {
    loggerType: 'applicationInsights'
    resourceId: appInsights.id
    credentials: {
      connectionString: appInsightsConnectionString
      identityClientId: gatewayIdentityClientId
    }
  }
  dependsOn: [
    telemetryPublisher
  ]
}

// Request telemetry without headers or bodies (the Authorization header never leaves the gateway).
resource diagnostics 'Microsoft.ApiManagement/service/diagnostics@2024-05-01' = {
  parent: service
  name: 'applicationinsights'
  properties: {
    loggerId: logger.id
    alwaysLog: 'allErrors'
    httpCorrelationProtocol: 'W3C'
    verbosity: 'information'
    logClientIp: logClientIp
    sampling: {
      samplingType: 'fixed'
      percentage: 100
    }
  }
}

resource gatewayLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: service
  properties: {
    workspaceId: workspaceId
    logAnalyticsDestinationType: 'Dedicated'
    logs: [
      {
        category: 'GatewayLogs'
        enabled: true
      }
    ]
  }
}

resource backend 'Microsoft.ApiManagement/service/backends@2024-05-01' = {
  parent: service
  name: backendId
  properties: {
    protocol: 'http'
    url: 'https://${functionAppHostName}/api'
    tls: {
      validateCertificateChain: true
      validateCertificateName: true
    }
  }
}

resource api 'Microsoft.ApiManagement/service/apis@2024-05-01' = {
  parent: service
  name: 'todo'
  properties: {
    displayName: 'Todo API'
    path: apiPath
    protocols: [
      'https'
    ]
    serviceUrl: 'https://${functionAppHostName}/api'
    // Not required at the API: the public operations need no key. In subscription mode the API
    // policy answers 401 to any data request the gateway could not tie to a subscription (a
    // key that is sent is still validated by the gateway).
    subscriptionRequired: false
    apiType: 'http'
  }
}

resource apiPolicyResource 'Microsoft.ApiManagement/service/apis/policies@2024-05-01' = {
  parent: api
  name: 'policy'
  properties: {
    format: 'rawxml'
    value: apiPolicy
  }
  dependsOn: [
    backend
  ]
}

resource operations 'Microsoft.ApiManagement/service/apis/operations@2024-05-01' = [for route in routes: {
  parent: api
  name: route.operationId
  properties: {
    displayName: route.operationId
    method: route.method
    urlTemplate: route.path
    templateParameters: [for parameter in route.parameters: {
      name: parameter
      type: 'string'
      required: true
    }]
  }
}]

// HEAD is answered by the API wherever GET is; the gateway needs its own operations for it.
resource headOperations 'Microsoft.ApiManagement/service/apis/operations@2024-05-01' = [for route in routes: if(route.method == 'GET') {
  parent: api
  name: '${route.operationId}-head'
  properties: {
    displayName: '${route.operationId} (HEAD)'
    method: 'HEAD'
    urlTemplate: route.path
    templateParameters: [for parameter in route.parameters: {
      name: parameter
      type: 'string'
      required: true
    }]
  }
}]

// Response caching only on the GET operations routes.json marks cached (never on writes).
resource cachePolicies 'Microsoft.ApiManagement/service/apis/operations/policies@2024-05-01' = [for (route, index) in routes: if(route.cached && route.method == 'GET') {
  parent: operations[index]
  name: 'policy'
  properties: {
    format: 'rawxml'
    value: cachePolicy
  }
  dependsOn: [
    apiPolicyResource
  ]
}]

// The OpenAPI document, the docs, the web page and its assets: no token, no key (the page
// itself signs the user in); still no client-sent owner header and a per-IP limit.
resource publicPolicies 'Microsoft.ApiManagement/service/apis/operations/policies@2024-05-01' = [for (route, index) in routes: if(route.public) {
  parent: operations[index]
  name: 'policy'
  properties: {
    format: 'rawxml'
    value: publicPolicy
  }
  dependsOn: [
    backend
  ]
}]

resource publicHeadPolicies 'Microsoft.ApiManagement/service/apis/operations/policies@2024-05-01' = [for (route, index) in routes: if(route.public && route.method == 'GET') {
  parent: headOperations[index]
  name: 'policy'
  properties: {
    format: 'rawxml'
    value: publicPolicy
  }
  dependsOn: [
    backend
  ]
}]

output gatewayUrl string = '${service.properties.gatewayUrl}/${apiPath}'
output name string = service.name
