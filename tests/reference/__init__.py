"""Reference models: plain executable readings of the design texts in ``docs/``.

``routing_model`` is the serial world of the routing law (``routing-law.md``). Implementations
are compared to it decision by decision; it is written for clarity, not speed.
"""
