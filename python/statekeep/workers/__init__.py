"""Background work of a keep, one loop per module, each with a ``step()`` that tests call.

- ``scan``: materialises each deployment's decisions, in bounded batches.
"""
