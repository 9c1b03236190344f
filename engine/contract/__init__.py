"""The contracts: the input a record system sends, the decision it gets back, and their vocabulary.

Validation and derived facts (``facts``), the decision document (``decision``), patient
identifiers (``identifiers``), working days (``workdays``), times (``times``), bokmål words
for values (``bokmal``), the Dialogmelding XML adapter (``dialogmelding``), and the one
reader of the published schemas (``schemas``). Imports nothing else from the engine.
"""
