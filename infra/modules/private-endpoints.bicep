// The private profile's private endpoints, one per service the app reaches or is reached on:
// table and blob of the host (deployment) and data storage accounts, the Key Vault, and the
// Function App itself (inbound, group id 'sites'). Each endpoint has a DNS zone group that
// writes its A record into the private DNS zone of its service, so the resource's usual host
// name resolves to the endpoint's private address inside the virtual network.
param location string
param tags object
param namePrefix string
param subnetId string
param hostStorageId string
param hostStorageName string
param dataStorageId string
param dataStorageName string
param vaultId string
param vaultName string
param appId string
param appName string
param tableZoneId string
param blobZoneId string
param vaultZoneId string
param sitesZoneId string

// groupId: the target's sub-resource (Learn: private endpoint overview, private-link resource);
// zoneId: the privatelink zone of that sub-resource.
var endpoints = [
  {
    name: '${namePrefix}-${hostStorageName}-blob'
    target: hostStorageId
    groupId: 'blob'
    zoneId: blobZoneId
  }
  {
    name: '${namePrefix}-${hostStorageName}-table'
    target: hostStorageId
    groupId: 'table'
    zoneId: tableZoneId
  }
  {
    name: '${namePrefix}-${dataStorageName}-table'
    target: dataStorageId
    groupId: 'table'
    zoneId: tableZoneId
  }
  {
    name: '${namePrefix}-${dataStorageName}-blob'
    target: dataStorageId
    groupId: 'blob'
    zoneId: blobZoneId
  }
  {
    name: '${namePrefix}-${vaultName}-vault'
    target: vaultId
    groupId: 'vault'
    zoneId: vaultZoneId
  }
  {
    name: '${namePrefix}-${appName}-sites'
    target: appId
    groupId: 'sites'
    zoneId: sitesZoneId
  }
]

resource endpoint 'Microsoft.Network/privateEndpoints@2024-05-01' = [for e in endpoints: {
  name: e.name
  location: location
  tags: tags
  properties: {
    subnet: {
      id: subnetId
    }
    privateLinkServiceConnections: [
      {
        name: e.name
        properties: {
          privateLinkServiceId: e.target
          groupIds: [
            e.groupId
          ]
        }
      }
    ]
  }
}]

resource zoneGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-05-01' = [for (e, i) in endpoints: {
  parent: endpoint[i]
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: e.groupId
        properties: {
          privateDnsZoneId: e.zoneId
        }
      }
    ]
  }
}]
