"""The pack language: safe YAML with positions (``loader``), the rule tree (``tree``), and the
compilers of conditions, packs, templates and conversation rules. Imports only ``contract``.
"""
