"""The domain: resource models, errors, ids and the ports the service needs (repository protocols,
Page, the clock). Imports nothing of HTTP, storage or the platform.
"""
