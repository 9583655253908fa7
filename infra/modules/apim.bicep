// API Management in front of the Function App: caller authentication, the trusted owner
// header, per-owner rate limits, CORS, response caching of GETs, and the function key held in
// a secret named value. SKU BasicV2: the smallest tier whose built-in cache and rate-limit-by-key work.
param location string
param tags object
param name string
param sku string = 'BasicV2'
param publisherEmail string
param publisherName string
param functionAppName string
param functionAppHostName string
param authMode string
param tenantId string
param audience string
param allowedOrigins array
param cacheDurationSeconds int
param rateLimitCalls int
param rateLimitPeriodSeconds int
param apiPath string = 'todo'

var backendId = 'todo-functions'
var routes = loadJsonContent('../routes.json')
var originsXml = '<origin>${join(allowedOrigins, '</origin><origin>')}</origin>'
var authSnippet = authMode == 'jwt' ? loadTextContent('../policies/auth-jwt.xml') : loadTextContent('../policies/auth-subscription.xml')
var authXml = replace(replace(authSnippet, '__TENANT_ID__', tenantId), '__AUDIENCE__', audience)
var apiPolicy = replace(replace(replace(replace(replace(loadTextContent('../policies/api.xml'), '<!--AUTHENTICATION-->', authXml), '__ALLOWED_ORIGINS__', originsXml), '__RATE_LIMIT_CALLS__', string(rateLimitCalls)), '__RATE_LIMIT_PERIOD__', string(rateLimitPeriodSeconds)), '__BACKEND_ID__', backendId)
var cachePolicy = replace(loadTextContent('../policies/get-cache.xml'), '__CACHE_DURATION__', string(cacheDurationSeconds))

resource service 'Microsoft.ApiManagement/service@2024-05-01' = {
  // checkov:skip=CKV_AZURE_174: the gateway is the public entry point of the API by design.
  // checkov:skip=CKV_AZURE_107: the v2 Basic tier has no VNet injection; the gateway is the intended public edge.
  name: name
  location: location
  tags: tags
  sku: {
    name: sku
    capacity: 1
  }
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    publisherEmail: publisherEmail
    publisherName: publisherName
    customProperties: {
      'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls10': 'false'
      'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls11': 'false'
      'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls10': 'false'
      'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls11': 'false'
      'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Ssl30': 'false'
      'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Ssl30': 'false'
    }
  }
}

// The function host key, read from the app at deployment into a secret (encrypted) named value.
resource functionKey 'Microsoft.ApiManagement/service/namedValues@2024-05-01' = {
  parent: service
  name: 'function-key'
  properties: {
    displayName: 'function-key'
    secret: true
    value: listKeys(resourceId('Microsoft.Web/sites/host', functionAppName, 'default'), '2023-12-01').functionKeys.apim
  }
}

resource backend 'Microsoft.ApiManagement/service/backends@2024-05-01' = {
  parent: service
  name: backendId
  properties: {
    protocol: 'http'
    url: 'https://${functionAppHostName}/api'
    credentials: {
      header: {
        'x-functions-key': [
          '{{function-key}}'
        ]
      }
    }
    tls: {
      validateCertificateChain: true
      validateCertificateName: true
    }
  }
  dependsOn: [
    functionKey
  ]
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
    subscriptionRequired: authMode == 'subscription'
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
}]

output gatewayUrl string = '${service.properties.gatewayUrl}/${apiPath}'
output name string = service.name
output principalId string = service.identity.principalId
