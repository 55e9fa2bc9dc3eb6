"""The job's result channel: one keyed, length-framed record on a pipe (torch-free).

The job supervisor makes a random key per job and hands it to the job through a pipe the job reads and closes
before any user code runs. The job's harness sends exactly one record, ``<key> <length>\\n<json>``, encoded with
an encoder bound before user code ran (monkeypatching ``json.dumps`` changes nothing). The supervisor accepts the
record only when the whole channel holds exactly that record with that key: anything else (bytes written to the
pipe by user code, a second record, a truncated one) is reported as a sandbox violation, never trusted.

This defends against output forged by writing to inherited descriptors or patching the serializer (a replaced part of
the JSON encoder is also reported: ``tampered()``, a sandbox note); code that
reads its own process memory could still find the key, and the probe's events are computed inside the job's
process. What the sandbox itself observes (processes left, limits, blocked writes) never comes through this
channel: the supervisor sees it from outside the job's namespaces.
"""
from __future__ import annotations

import json
import json.encoder
import secrets
from typing import Any, Dict, List, Optional, Tuple


class _Encoder(json.JSONEncoder):
    encode = json.JSONEncoder.encode  # the methods as they are at import: patching JSONEncoder changes nothing here
    iterencode = json.JSONEncoder.iterencode


_ENCODE = _Encoder(default=str, ensure_ascii=True).encode  # bound at import, before any user code
_DECODE = json.JSONDecoder().decode
# What encoding a record still looks up when it runs, and the JSON methods a forger would replace. (Not
# ``json.dumps``: wrapping it is something real programs do, and the channel never calls it.)
_WATCHED = {"json.JSONEncoder.encode": (json.JSONEncoder, "encode"),
            "json.JSONEncoder.iterencode": (json.JSONEncoder, "iterencode"),
            "json.encoder.c_make_encoder": (json.encoder, "c_make_encoder"),
            "json.encoder._make_iterencode": (json.encoder, "_make_iterencode"),
            "json.encoder.encode_basestring": (json.encoder, "encode_basestring"),
            "json.encoder.encode_basestring_ascii": (json.encoder, "encode_basestring_ascii")}
_ORIGINAL = {name: getattr(owner, attr, None) for name, (owner, attr) in _WATCHED.items()}


def tampered() -> List[str]:
    """The JSON encoder's parts the job's code replaced since import (an attempt to forge its result)."""
    return [name for name, (owner, attr) in _WATCHED.items() if getattr(owner, attr, None) is not _ORIGINAL[name]]


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
