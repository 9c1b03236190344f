"""The addresses of the pages: the gate leaves their authentication to them (a browser sends no Bearer header)."""

from __future__ import annotations

PAGES = ("/", "/prov", "/logg", "/funn", "/logg-inn", "/logg-ut")
PREFIXES = ("/pakker/", "/static/")


def is_page(path: str) -> bool:
    """Whether a path is one of the pages (or their style sheet), which check the session themselves."""
    return path in PAGES or path.startswith(PREFIXES)


__all__ = ["PAGES", "PREFIXES", "is_page"]
