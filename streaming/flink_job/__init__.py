"""The Flink SQL job: 1-minute event-time windows per provider and provider x product.

``config`` and ``render`` use only the standard library so the main environment can test the
rendered SQL; ``main`` is the PyFlink entry point run in the Flink environment.
"""
