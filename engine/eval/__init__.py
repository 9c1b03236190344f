"""Evaluation: the ``Engine`` (``engine``), the three-valued closures (``closures``), generated
rule functions (``codegen``), deadlines, bokmål rendering, ``explain``, and ``batch``: many
requests streamed through worker processes, answers in input order. Imports ``contract`` and ``lang``.
"""
