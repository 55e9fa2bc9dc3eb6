"""What every rule declares: ``Check`` (the decision) and ``Runtime`` (what the validator observes to confirm it).

Standard library only: the torch-free validator imports ``Runtime`` declarations without the analysis.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple


class Rule:
    """A rule as the analysis and the reports see it: its ``code``; name and severity come from its doc
    (``rules/<CODE>-<name>.md``), never from the code."""

    code = ""

    def __init__(self, code: Optional[str] = None) -> None:
        if code is not None:
            self.code = code

    @property
    def doc(self):
        from ..catalog import packaged_rule

        return packaged_rule(self.code)

    @property
    def name(self) -> str:
        return self.doc.name

    @property
    def severity(self) -> str:
        return self.doc.severity


class Check(Rule):
    """A rule's decision. A subclass sets ``code`` (its folder's ``CODE``) and defines a method for each fact it
    needs, named after the event's ``HOOK`` (``inplace_lint/analysis/events.py``: ``on_inplace_write``,
    ``on_grad_read``, ...), called as ``hook(event, ctx)`` with the ``RuleContext`` (``analysis/context.py``:
    ``ctx.report``, ``ctx.is_rg``, ``ctx.saved_by``, ...); and optionally ``finish(ctx)``.

    Name and severity are not declared here: they come from the rule's doc (``rules/<CODE>-<name>.md``)."""


@dataclass(frozen=True)
class Runtime:
    """What the validator must observe to confirm a finding of a rule.

    ``confirms``: probe event kinds (``inplace_lint.validate.events``) that confirm a static finding at its lines,
    best first. ``reports``: kinds that, seen at runtime where no static finding explains them, are reported as a
    finding of this rule. ``after_run``: ``"module:function"`` called in the validator's child process once the
    flagged line ran, as ``hook(path, line, names, root, scope) -> [events]`` (``names``: what the flagged
    assignment binds, ``root``: the name it copies from, ``scope``: the frame's variables then).
    ``watch_writes``: watch the flagged statement for in-place writes into tensors its caller reads again (the read
    line is the finding's related location labelled "used here"). ``raises``: parts of torch's exception messages
    for the rule's symptom: such an exception raised at a line of a finding confirms it, and one raised where no
    finding explains it is reported under this rule (for symptoms without a probe event kind of their own).
    ``confirms_raised``: messages that confirm a finding at its line but, being shared with other causes, are never
    reported on their own. ``unaffected``: kinds among ``confirms`` that show the rule's condition but no wrong value
    (a silent-corruption rule whose write, in that run, changed nothing a gradient used): alone, they give
    ``not-reproduced`` with "condition reproduced, gradient unaffected in this run", never ``confirmed``."""

    confirms: Tuple[str, ...]
    reports: Tuple[str, ...] = ()
    raises: Tuple[str, ...] = ()
    confirms_raised: Tuple[str, ...] = ()
    after_run: Optional[str] = None
    watch_writes: bool = False
    unaffected: Tuple[str, ...] = ()
