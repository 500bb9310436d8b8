"""Input adapters (table, image, sequence, set, graph) and structured targets.

An adapter validates ``X`` at the public boundary, fits and saves its encoding, describes the
:class:`~deepstat.nn.InputSpec` a network is built for, and yields a batch source that the engine
gathers by index. Structured targets (``SurvivalTarget``) are named fields, never float columns
read by position.
"""
