"""The ``puntored`` command line: one module per stage, registered in ``app.py``."""
