"""The job's result channel: one keyed, length-framed record on a pipe (torch-free).

The job supervisor makes a random key per job and hands it to the job through a pipe the job reads and closes
before any user code runs. The job's harness sends exactly one record, ``<key> <length>\\n<json>``, encoded with
an encoder bound before user code ran (monkeypatching ``json.dumps`` changes nothing). The supervisor accepts the
record only when the whole channel holds exactly that record with that key: anything else (bytes written to the
pipe by user code, a second record, a truncated one) is reported as a sandbox violation, never trusted.

This defends against output forged by writing to inherited descriptors or patching the serializer; code that
reads its own process memory could still find the key, and the probe's events are computed inside the job's
process. What the sandbox itself observes (processes left, limits, blocked writes) never comes through this
channel: the supervisor sees it from outside the job's namespaces.
"""
from __future__ import annotations

import json
import secrets
from typing import Any, Dict, Optional, Tuple

_ENCODE = json.JSONEncoder(default=str, ensure_ascii=True).encode  # bound at import, before any user code
_DECODE = json.JSONDecoder().decode


def new_key() -> bytes:
    return secrets.token_hex(16).encode("ascii")


def frame(key: bytes, record: Dict[str, Any]) -> bytes:
    payload = _ENCODE(record).encode("ascii")
    return key + b" " + str(len(payload)).encode("ascii") + b"\n" + payload


def complete(key: bytes, data: bytes) -> bool:
    """Does ``data`` hold the whole keyed record (so the reader can stop waiting)?"""
    at = data.find(key + b" ")
    if at < 0:
        return False
    head, sep, rest = data[at:].partition(b"\n")
    if not sep:
        return False
    parts = head.split(b" ")
    if len(parts) != 2 or not parts[1].isdigit():
        return True  # malformed: nothing more to wait for
    return len(rest) >= int(parts[1])


def parse(key: bytes, data: bytes) -> Tuple[Optional[Dict[str, Any]], Optional[str]]:
    """(the record, None) when ``data`` is exactly one record keyed with ``key``. Data before or after the keyed
    record (written to the pipe by the job's code) is reported as a problem but does not hide the record; without a
    well-formed keyed record: (None, problem)."""
    if not data:
        return None, None
    at = data.find(key + b" ")
    if at < 0:
        return None, ("the result channel held data that is not the job's keyed record (written by the job's "
                      "code?); the job's own record is missing")
    head, sep, rest = data[at:].partition(b"\n")
    parts = head.split(b" ")
    if not sep or len(parts) != 2 or not parts[1].isdigit():
        return None, "the job's result record is malformed"
    size = int(parts[1])
    if len(rest) < size:
        return None, "the job's result record was cut short"
    try:
        record = _DECODE(rest[:size].decode("ascii"))
    except (ValueError, UnicodeDecodeError):
        return None, "the job's result record is not valid JSON"
    if not isinstance(record, dict):
        return None, "the job's result record is not an object"
    if at or rest[size:]:
        return record, ("the result channel held data besides the job's keyed record (written by the job's code "
                        "to an inherited descriptor?); it was ignored")
    return record, None
