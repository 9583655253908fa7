// The private profile's network (networkIsolation = 'private'): one virtual network with three
// subnets, each with its own network security group, and the private DNS zones that make the
// storage accounts', the Key Vault's and the Function App's usual host names resolve to their
// private endpoints from inside the network.
//  - app: the Function App's outbound (VNet) integration. Flex Consumption requires the subnet to
//    be delegated to Microsoft.App/environments and used for nothing else (Learn: Azure
//    Functions networking options, Flex Consumption considerations).
//  - endpoints: the private endpoints (no delegation). The NSG applies to their traffic
//    (privateEndpointNetworkPolicies).
//  - gateway: API Management Standard v2 outbound integration. Learn "Integrate an Azure API
//    Management instance with a private virtual network for outbound connections": a subnet
//    dedicated to one instance, delegated to Microsoft.Web/serverFarms, with an NSG (no specific
//    rules required), /27 at least and /24 recommended.
// The NSGs carry no rules of their own: Azure's default rules allow traffic inside the virtual
// network and deny inbound from the internet.
param location string
param tags object
param name string
param addressPrefix string = '10.40.0.0/16'
param appSubnetPrefix string = '10.40.1.0/24'
param endpointSubnetPrefix string = '10.40.2.0/24'
param gatewaySubnetPrefix string = '10.40.3.0/24'

resource appNsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {
  name: '${name}-app-nsg'
  location: location
  tags: tags
  properties: {
    securityRules: []
  }
}

resource endpointNsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {
  name: '${name}-endpoints-nsg'
  location: location
  tags: tags
  properties: {
    securityRules: []
  }
}

resource gatewayNsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {
  name: '${name}-gateway-nsg'
  location: location
  tags: tags
  properties: {
    securityRules: []
  }
}

// Subnets are declared inside the virtual network (not as child resources), so that a
// redeployment never removes or races them.
resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        name: 'app'
        properties: {
          addressPrefix: appSubnetPrefix
          networkSecurityGroup: {
            id: appNsg.id
          }
          delegations: [
            {
              name: 'flex-consumption'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
      {
        name: 'endpoints'
        properties: {
          addressPrefix: endpointSubnetPrefix
          networkSecurityGroup: {
            id: endpointNsg.id
          }
          privateEndpointNetworkPolicies: 'NetworkSecurityGroupEnabled'
        }
      }
      {
        name: 'gateway'
        properties: {
          addressPrefix: gatewaySubnetPrefix
          networkSecurityGroup: {
            id: gatewayNsg.id
          }
          delegations: [
            {
              name: 'api-management'
              properties: {
                serviceName: 'Microsoft.Web/serverFarms'
              }
            }
          ]
        }
      }
    ]
  }
}

// One zone per service the private endpoints serve (Learn: Azure Private Endpoint private DNS
// zone values): table and blob storage, Key Vault, and App Service / Functions sites.
resource tableZone 'Microsoft.Network/privateDnsZones@2024-06-01' = {
  name: 'privatelink.table.${environment().suffixes.storage}'
  location: 'global'
  tags: tags
}

resource blobZone 'Microsoft.Network/privateDnsZones@2024-06-01' = {
  name: 'privatelink.blob.${environment().suffixes.storage}'
  location: 'global'
  tags: tags
}

resource vaultZone 'Microsoft.Network/privateDnsZones@2024-06-01' = {
  name: 'privatelink.vaultcore.azure.net'
  location: 'global'
  tags: tags
}

resource sitesZone 'Microsoft.Network/privateDnsZones@2024-06-01' = {
  name: 'privatelink.azurewebsites.net'
  location: 'global'
  tags: tags
}

// Each zone linked to the network, so that everything in it (the app's integration, the
// gateway's integration) resolves through it. No auto-registration: the endpoints' zone groups
// write the records.
resource tableZoneLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: tableZone
  name: name
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: vnet.id
    }
  }
}

resource blobZoneLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: blobZone
  name: name
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: vnet.id
    }
  }
}

resource vaultZoneLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: vaultZone
  name: name
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: vnet.id
    }
  }
}

resource sitesZoneLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: sitesZone
  name: name
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: vnet.id
    }
  }
}

output vnetId string = vnet.id
output appSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'app')
output endpointSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'endpoints')
output gatewaySubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'gateway')
output tableZoneId string = tableZone.id
output blobZoneId string = blobZone.id
output vaultZoneId string = vaultZone.id
output sitesZoneId string = sitesZone.id
