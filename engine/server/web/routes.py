"""The pages' routes, added to the service's own by ``engine.server.app``."""

from __future__ import annotations

from starlette.routing import Route

from .pages import (
    findings_page,
    home,
    log_page,
    login_form,
    login_submit,
    logout,
    pack_page,
    page,
    prov_form,
    prov_submit,
    static_file,
)


def routes() -> list[Route]:
    return [
        Route("/", page(home), methods=["GET"]),
        Route("/prov", page(prov_form), methods=["GET"]),
        Route("/prov", page(prov_submit), methods=["POST"]),
        Route("/pakker/{id}", page(pack_page), methods=["GET"]),
        Route("/logg", page(log_page), methods=["GET"]),
        Route("/funn", page(findings_page), methods=["GET"]),
        Route("/logg-inn", page(login_form, public=True), methods=["GET"]),
        Route("/logg-inn", page(login_submit, public=True), methods=["POST"]),
        Route("/logg-ut", page(logout), methods=["POST"]),
        Route("/static/{name}", page(static_file, public=True), methods=["GET"]),
    ]


__all__ = ["routes"]
