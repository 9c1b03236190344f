"""The product's version, as the service, the OpenAPI document and the decision log state it."""

__version__ = "0.1.0"
