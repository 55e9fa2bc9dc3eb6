"""``inplace-lint server``: a Language Server (LSP 3.17) over stdio, for editors.

* ``documents.py``: what the server computes, with no LSP library (settings, findings, fixes, ``# noqa``, the
  validator) -- the CLI's engine called on a buffer's text, run in worker processes;
* ``lsp.py``: the protocol (pygls + lsprotocol): documents and notebooks in, diagnostics, code actions, hover and
  commands out, the analysis off the event loop.

pygls and lsprotocol are the optional extra ``inplace-lint[lsp]``; only ``lsp.py`` imports them, so the base
install (and the rest of the package) never needs them. Set-up for VS Code, Neovim, Helix and Emacs:
``docs/editors.md``.
"""
from __future__ import annotations

import os
import sys

EXTRA_HINT = "the language server needs the 'lsp' extra: pip install 'inplace-lint[lsp]'"


class MissingExtra(Exception):
    """pygls / lsprotocol are not installed; the message says how to get them."""


def serve(jobs: int = 2) -> None:
    """Run the server on stdin/stdout until the client says ``exit``. Raises ``MissingExtra`` without pygls."""
    try:
        from .lsp import create_server
    except ImportError as exc:  # pygls / lsprotocol missing, or too old (pygls 1 has no pygls.lsp.server)
        raise MissingExtra(f"{EXTRA_HINT} ({exc})") from None
    # The protocol owns stdout: anything else printed (by this process or its children) goes to stderr.
    stdin = sys.stdin.buffer
    stdout = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    create_server(jobs=jobs).start_io(stdin, stdout)
