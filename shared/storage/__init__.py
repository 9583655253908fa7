"""Table Storage: the process table client, fault translation, row keys and the repositories
implementing the domain ports. The only package that imports azure.data.tables.
"""
