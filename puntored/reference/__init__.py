"""Reference data: providers, products and points of sale (written to seeds/ for dbt)."""

from puntored.reference.load import Client, Product, Provider, ReferenceData, load_reference

__all__ = ["Client", "Product", "Provider", "ReferenceData", "load_reference"]
