// Operations: who is paged, for what, and a workbook to look at. Every alert's threshold is a
// parameter (defaults and their reasons: README, Operate). Log alerts query the Log Analytics
// workspace that holds Application Insights' tables (AppRequests, AppExceptions) and the
// gateway's and Table service's resource logs; metric alerts read platform metrics.
param location string
param tags object
param namePrefix string
param workspaceId string
param apimName string
param dataStorageName string

@description('Email addresses the action group notifies; empty: alerts fire but notify nobody.')
param alertEmails array
@minValue(1)
@maxValue(100)
param serverErrorPercent int
@minValue(1)
param minRequestsForErrorRate int
@minValue(1)
param latencyP95Ms int
@minValue(1)
param gateway429Count int
@minValue(1)
param gateway401Count int
@minValue(1)
param storageThrottleCount int
@minValue(0)
param housekeepingFailureCount int
@minValue(25)
@maxValue(47)
@description('Hours without a successful backup run before the backup alert fires (the daily schedule plus slack).')
param backupMaxAgeHours int

// Our own server spans carry todo.request_id: the host's invocation spans do not, so nothing is counted twice.
var apiRequests = 'AppRequests | where isnotempty(tostring(Properties["todo.request_id"]))'

resource apim 'Microsoft.ApiManagement/service@2024-05-01' existing = {
  name: apimName
}

resource dataStorage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: dataStorageName
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' existing = {
  parent: dataStorage
  name: 'default'
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-${namePrefix}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'todo-ops'
    enabled: true
    emailReceivers: [for (email, i) in alertEmails: {
      name: 'email-${i}'
      emailAddress: email
      useCommonAlertSchema: true
    }]
  }
}

resource serverErrors 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-${namePrefix}-5xx-rate'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Todo API: server errors above ${serverErrorPercent}% of requests'
    description: 'Share of API requests answered 5xx over 5 minutes (only with at least ${minRequestsForErrorRate} requests).'
    severity: 1
    enabled: true
    scopes: [
      workspaceId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      allOf: [
        {
          query: '${apiRequests} | summarize total = count(), failed = countif(toint(ResultCode) >= 500) | where total >= ${minRequestsForErrorRate} | extend failedPercent = 100.0 * failed / total'
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'failedPercent'
          operator: 'GreaterThan'
          threshold: serverErrorPercent
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    // The workspace is created in the same deployment, so AppRequests/AppExceptions hold no data
    // yet and query validation at creation fails ("Failed to resolve table or column expression");
    // the rule still evaluates its query on schedule once data flows.
    skipQueryValidation: true
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}

resource latency 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-${namePrefix}-p95-latency'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Todo API: p95 latency above ${latencyP95Ms} ms'
    description: '95th percentile of API request durations over 15 minutes, two evaluations in a row.'
    severity: 2
    enabled: true
    scopes: [
      workspaceId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: '${apiRequests} | summarize p95 = percentile(DurationMs, 95)'
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'p95'
          operator: 'GreaterThan'
          threshold: latencyP95Ms
          failingPeriods: {
            numberOfEvaluationPeriods: 2
            minFailingPeriodsToAlert: 2
          }
        }
      ]
    }
    autoMitigate: true
    // The workspace is created in the same deployment, so AppRequests/AppExceptions hold no data
    // yet and query validation at creation fails ("Failed to resolve table or column expression");
    // the rule still evaluates its query on schedule once data flows.
    skipQueryValidation: true
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}

resource housekeepingFailures 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-${namePrefix}-housekeeping'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Todo API: housekeeping failing'
    description: 'Failed runs of the housekeeping timer function (and exceptions in it) over the last hour.'
    severity: 3
    enabled: true
    scopes: [
      workspaceId
    ]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT1H'
    criteria: {
      allOf: [
        {
          query: 'union (AppRequests | where OperationName =~ "housekeeping" and Success == false), (AppExceptions | where OperationName =~ "housekeeping") | summarize failures = count()'
          timeAggregation: 'Total'
          metricMeasureColumn: 'failures'
          operator: 'GreaterThan'
          threshold: housekeepingFailureCount
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    // The workspace is created in the same deployment, so AppRequests/AppExceptions hold no data
    // yet and query validation at creation fails ("Failed to resolve table or column expression");
    // the rule still evaluates its query on schedule once data flows.
    skipQueryValidation: true
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}

// The daily backup (function `backup`, one AppRequests row per run): one row per problem, so
// 'problems > 0' fires when the last run failed (failed runs since the last success) or when no
// run succeeded for backupMaxAgeHours, once the app has sent telemetry for that long (a fresh
// deployment is not paged before its first scheduled run; housekeeping runs every 15 minutes, so
// an app that runs at all has requests to date it by). Looking back two days (P2D, the longest
// window a log alert allows) covers the whole age limit; evaluated hourly, the rule stays fired
// until a run succeeds and then resolves itself.
var backupRuns = 'AppRequests | where OperationName =~ "backup"'
var backupQuery = 'let lastSuccess = toscalar(${backupRuns} and Success == true | summarize max(TimeGenerated)); let since = iff(isnull(lastSuccess), ago(${backupMaxAgeHours}h), lastSuccess); let appAge = toscalar(AppRequests | summarize min(TimeGenerated)); let failed = ${backupRuns} and Success == false and TimeGenerated > since | project TimeGenerated; let missing = print TimeGenerated = now() | where (isnull(lastSuccess) or lastSuccess < ago(${backupMaxAgeHours}h)) and appAge < ago(${backupMaxAgeHours}h); union failed, missing | summarize problems = count()'

resource backupFailures 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-${namePrefix}-backup'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Todo API: table backup failed or missing'
    description: 'The last backup run failed, or no backup run succeeded in the last ${backupMaxAgeHours} hours.'
    severity: 2
    enabled: true
    scopes: [
      workspaceId
    ]
    evaluationFrequency: 'PT1H'
    windowSize: 'P2D'
    criteria: {
      allOf: [
        {
          query: backupQuery
          timeAggregation: 'Total'
          metricMeasureColumn: 'problems'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    // The workspace is created in the same deployment, so AppRequests/AppExceptions hold no data
    // yet and query validation at creation fails ("Failed to resolve table or column expression");
    // the rule still evaluates its query on schedule once data flows.
    skipQueryValidation: true
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}

// The gateway's own metric: Requests split by the status the gateway answered.
resource gatewayThrottled 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-${namePrefix}-gateway-429'
  location: 'global'
  tags: tags
  properties: {
    description: 'More than ${gateway429Count} gateway answers 429 (rate limits) in 5 minutes.'
    severity: 2
    enabled: true
    scopes: [
      apim.id
    ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'gateway-429'
          metricNamespace: 'Microsoft.ApiManagement/service'
          metricName: 'Requests'
          timeAggregation: 'Total'
          operator: 'GreaterThan'
          threshold: gateway429Count
          dimensions: [
            {
              name: 'GatewayResponseCode'
              operator: 'Include'
              values: [
                '429'
              ]
            }
          ]
        }
      ]
    }
    autoMitigate: true
    actions: [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}

resource gatewayUnauthorized 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-${namePrefix}-gateway-401'
  location: 'global'
  tags: tags
  properties: {
    description: 'More than ${gateway401Count} gateway answers 401 (missing or bad credentials) in 5 minutes.'
    severity: 3
    enabled: true
    scopes: [
      apim.id
    ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'gateway-401'
          metricNamespace: 'Microsoft.ApiManagement/service'
          metricName: 'Requests'
          timeAggregation: 'Total'
          operator: 'GreaterThan'
          threshold: gateway401Count
          dimensions: [
            {
              name: 'GatewayResponseCode'
              operator: 'Include'
              values: [
                '401'
              ]
            }
          ]
        }
      ]
    }
    autoMitigate: true
    actions: [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}

// Table Storage throttling: transactions the Table service refused as server busy (503) or
// because the account or partition was over its target (ResponseType dimension).
resource storageThrottling 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-${namePrefix}-table-throttling'
  location: 'global'
  tags: tags
  properties: {
    description: 'More than ${storageThrottleCount} Table transactions throttled (ServerBusyError, ClientThrottlingError) in 5 minutes.'
    severity: 2
    enabled: true
    scopes: [
      tableService.id
    ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'table-throttling'
          metricNamespace: 'Microsoft.Storage/storageAccounts/tableServices'
          metricName: 'Transactions'
          timeAggregation: 'Total'
          operator: 'GreaterThan'
          threshold: storageThrottleCount
          dimensions: [
            {
              name: 'ResponseType'
              operator: 'Include'
              values: [
                'ServerBusyError'
                'ClientThrottlingError'
              ]
            }
          ]
        }
      ]
    }
    autoMitigate: true
    actions: [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}

// checkov has no type data for workbooks either; its content is infra/workbooks/operations.json.
resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(resourceGroup().id, 'todo-operations-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'Todo API operations'
    category: 'workbook'
    sourceId: workspaceId
    version: 'Notebook/1.0'
    serializedData: loadTextContent('../workbooks/operations.json')
  }
}

output actionGroupId string = actionGroup.id
output workbookId string = workbook.id
