"""HTTP semantics, once: request parsing, responses and validators, conditional requests, paging,
problem details, gateway trust and the OpenAPI document.
"""
