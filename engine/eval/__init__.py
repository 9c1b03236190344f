"""Evaluation: the ``Engine`` (``engine``), the three-valued closures (``closures``), generated
rule functions (``codegen``), deadlines, bokmål rendering and ``explain``. Imports ``contract``
and ``lang``.
"""
