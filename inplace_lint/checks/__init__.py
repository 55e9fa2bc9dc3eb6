"""One module per rule. Each defines a ``Check`` subclass; ``ALL_CHECKS`` lists them in code order."""
from __future__ import annotations

from typing import List

from .base import Check
from .ipl001_inplace_on_leaf import InplaceOnLeaf
from .ipl002_inplace_on_leaf_view import InplaceOnLeafView
from .ipl003_inplace_on_saved import InplaceOnSaved
from .ipl004_data_mutation import DataMutation
from .ipl005_grad_of_non_leaf import GradOfNonLeaf
from .ipl006_detached_copy_trains import DetachedCopyTrains
from .ipl007_function_dirty import FunctionDirty
from .ipl008_inplace_clobbers_input import InplaceClobbersInput

ALL_CHECKS = [InplaceOnLeaf, InplaceOnLeafView, InplaceOnSaved, DataMutation, GradOfNonLeaf, DetachedCopyTrains,
              FunctionDirty, InplaceClobbersInput]


def make_checks() -> List[Check]:
    return [cls() for cls in ALL_CHECKS]
