// The daily table backup's storage on the DATA account (the one holding the API's table): a
// private container whose blobs are write-once (a container-level time-based immutability
// policy), deleted by lifecycle management once their retention has passed, and the blob
// service's read/write/delete logs in Log Analytics. The app's role on the container is granted
// in modules/functionapp.bicep (create blobs only); docs/decisions/backup-writer-role.md.
param accountName string
param workspaceId string
@description('The backup container; the app writes one gzip NDJSON blob and one manifest blob per run into it.')
param containerName string
@minValue(1)
@maxValue(146000)
@description('Days each backup blob stays immutable (no overwrite, no delete) after it is created.')
param immutabilityDays int
@minValue(1)
@maxValue(146000)
@description('Days after creation when lifecycle management deletes a backup blob; never less than immutabilityDays.')
param retentionDays int
@description('true once the policy has been locked out of band (az storage container immutability-policy lock): a locked policy cannot be updated by a PUT, only extended, so the template then leaves it alone.')
param immutabilityLocked bool = false

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: accountName
}

// Versioning stays off: container-level WORM already refuses every overwrite and delete, and the
// app only creates new names, so there is never a previous version to keep; version-level WORM
// (which needs versioning) would only matter for per-blob policies. Blob soft delete stays off:
// during retention nothing can be deleted, after it the lifecycle deletion is the intended end.
resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    isVersioningEnabled: false
    deleteRetentionPolicy: {
      enabled: false
    }
    // A container deleted by mistake (only possible while it is empty: a container holding
    // blobs under a WORM policy cannot be deleted) can be restored for 7 days.
    containerDeleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

resource container 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: containerName
  properties: {
    publicAccess: 'None'
  }
}

// Time-based retention, unlocked: Azure refuses overwrite and delete of every blob in the
// container until it is immutabilityDays old (and overwrite for good). Unlocked, someone with
// control-plane rights on the account can still shorten or delete the policy; locking it
// (docs/operations.md, Backup storage) is irreversible: a locked policy can only be extended,
// never shortened or removed, and the container then cannot be deleted until every blob in it
// has expired and been deleted. Protected append writes stay off: the app never appends to an
// existing blob (new names only), so nothing may add blocks to a protected blob.
resource immutability 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies@2023-05-01' = if (!immutabilityLocked) {
  parent: container
  name: 'default'
  properties: {
    immutabilityPeriodSinceCreationInDays: immutabilityDays
    allowProtectedAppendWrites: false
  }
}

// Lifecycle management: backup blobs (this container's prefix only) are deleted once older than
// the retention, which is never shorter than the immutability period (a delete before that
// would be refused anyway; scripts/check_deploy_params.sh refuses such inputs, max() keeps a
// direct deployment safe too).
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'delete-expired-backups'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: [
                '${containerName}/'
              ]
            }
            actions: {
              baseBlob: {
                delete: {
                  daysAfterCreationGreaterThan: max(retentionDays, immutabilityDays)
                }
              }
            }
          }
        }
      ]
    }
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

// Who wrote, read or tried to delete a backup, like the table service's logs (modules/storage.bicep).
resource blobLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: blobService
  properties: {
    workspaceId: workspaceId
    logs: serviceLogs
  }
}

output containerName string = container.name
