"""The HTTP service: the ASGI application, pack reloading, authentication, the decision log
and the OpenAPI document. Imports the layers below it; nothing below imports it.
"""
