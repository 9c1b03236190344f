"""Tools for policy authors: lint (``validate``), pack tests, coverage, diff, traceability,
the generated corpus and the editor schemas.
"""
