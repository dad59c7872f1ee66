"""The AWS CDK app (Python) of PuntoRed Analytics: ``python -m infra.app`` (``make infra``)."""
