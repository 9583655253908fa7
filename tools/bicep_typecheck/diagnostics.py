"""Diagnostic-setting categories per resource type, as Microsoft documents them: the Azure Monitor
reference "Supported logs for <type>" and "Supported metrics for <type>" pages
(learn.microsoft.com/azure/azure-monitor/reference/supported-logs/...). The type data declares a
category as an open string, so the compiler accepts any value; the resource provider rejects an
unknown one only at deployment ("Category 'X' is not supported"). Add a type here before a
diagnostic setting is scoped to it: an unlisted scope type is itself reported."""

from __future__ import annotations

# type (lower case) -> (log categories, category groups, metric categories)
STORAGE_SERVICE = (frozenset({"StorageRead", "StorageWrite", "StorageDelete"}), frozenset({"allLogs", "audit"}),
                   frozenset({"Transaction", "Capacity"}))
CATEGORIES: dict[str, tuple[frozenset[str], frozenset[str], frozenset[str]]] = {
    # supported-logs/microsoft-apimanagement-service-logs
    "microsoft.apimanagement/service": (
        frozenset({"GatewayLogs", "WebSocketConnectionLogs", "DeveloperPortalAuditLogs", "GatewayLlmLogs",
                   "GatewayMCPLogs"}),
        frozenset({"allLogs", "audit"}),
        frozenset({"AllMetrics"}),
    ),
    # supported-logs/microsoft-keyvault-vaults-logs
    "microsoft.keyvault/vaults": (
        frozenset({"AuditEvent", "AzurePolicyEvaluationDetails"}), frozenset({"allLogs", "audit"}),
        frozenset({"AllMetrics"}),
    ),
    # supported-logs/microsoft-storage-storageaccounts-{blob,table,queue,file}services-logs
    "microsoft.storage/storageaccounts/blobservices": STORAGE_SERVICE,
    "microsoft.storage/storageaccounts/tableservices": STORAGE_SERVICE,
    "microsoft.storage/storageaccounts/queueservices": STORAGE_SERVICE,
    "microsoft.storage/storageaccounts/fileservices": STORAGE_SERVICE,
    # supported-metrics/microsoft-storage-storageaccounts-metrics (the account itself has no logs)
    "microsoft.storage/storageaccounts": (frozenset(), frozenset(), frozenset({"Transaction", "Capacity"})),
    # supported-logs/microsoft-web-sites-logs (a Function App)
    "microsoft.web/sites": (
        frozenset({"FunctionAppLogs", "AppServiceAuthenticationLogs", "AppServiceHTTPLogs", "AppServiceConsoleLogs",
                   "AppServiceAppLogs", "AppServiceAuditLogs", "AppServiceIPSecAuditLogs", "AppServicePlatformLogs"}),
        frozenset({"allLogs", "audit"}),
        frozenset({"AllMetrics"}),
    ),
    # supported-logs/microsoft-insights-components-logs
    "microsoft.insights/components": (
        frozenset({"AppAvailabilityResults", "AppBrowserTimings", "AppEvents", "AppMetrics", "AppDependencies",
                   "AppExceptions", "AppPageViews", "AppPerformanceCounters", "AppRequests", "AppSystemEvents",
                   "AppTraces"}),
        frozenset({"allLogs"}),
        frozenset({"AllMetrics"}),
    ),
}
