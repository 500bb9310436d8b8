"""Input adapters (table, image, sequence, set, graph) and structured targets.

An adapter validates ``X`` at the public boundary, fits and saves its encoding, describes the
:class:`~deepstat.nn.InputSpec` a network is built for, and yields a batch source that the engine
gathers by index. Structured targets (``SurvivalTarget``) are named fields, never float columns
read by position.
"""

from deepstat.data.base import ADAPTERS, InputAdapter, adapter_from_config, register_adapter
from deepstat.data.batch import Batch, IndexedBatches, take
from deepstat.data.graph import GraphAdapter, GraphBatches, NodeAdapter, NodeBatches
from deepstat.data.image import ImageAdapter
from deepstat.data.padded import PaddedAdapter, pad_sequences
from deepstat.data.sequence import SequenceAdapter
from deepstat.data.sets import SetAdapter
from deepstat.data.table import TableAdapter
from deepstat.utils.survival_target import SurvivalTarget

__all__ = [
    "ADAPTERS",
    "Batch",
    "GraphAdapter",
    "GraphBatches",
    "ImageAdapter",
    "IndexedBatches",
    "InputAdapter",
    "NodeAdapter",
    "NodeBatches",
    "PaddedAdapter",
    "SequenceAdapter",
    "SetAdapter",
    "SurvivalTarget",
    "TableAdapter",
    "adapter_from_config",
    "pad_sequences",
    "register_adapter",
    "take",
]
