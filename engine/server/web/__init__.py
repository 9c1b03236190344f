"""The pages of the decision service, in bokmål, for samhandling staff, clinicians and policy owners.

Served by ``dialogvakt serve`` on the same port as the API and rendered on the server with
Jinja2 (autoescaped): ``/`` the packs, ``/prov`` try a message, ``/pakker/{id}`` a guideline read
as rules, ``/logg`` the decision log, ``/funn`` the conversation monitor's findings. They use
the service's state and the engine's public functions; no evaluation is written here again.
Every page works without JavaScript, carries a strict Content-Security-Policy, protects its
forms against cross-site requests, and never shows a patient's number in clear.

    from engine.server.web import routes      # added to the service's routes by engine.server.app
"""

from .routes import routes

__all__ = ["routes"]
