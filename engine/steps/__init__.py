"""The Gherkin step library in bokmål (``# language: no``): thin steps over the engine's and
the monitor's public API, shared by pytest-bdd and ``dialogvakt coverage``.
"""
