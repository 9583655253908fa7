"""Use cases of the Todo API: plain values in, domain models out. Knows the domain ports, never
HTTP or Table Storage.
"""
