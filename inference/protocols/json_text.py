"""``json.dumps`` without its per-call set-up, for the small documents every request writes (its answer, its
log line): ``json.dumps`` builds a new C encoder on each call, a third of the time it takes for one row's
answer. ``dumps`` keeps one, made with the same settings as ``json.dumps``'s defaults except the check for
circular references (these documents are trees). Where the standard library has no C encoder, or the one
kept does not write a sample as ``json.dumps`` does, ``dumps`` is ``json.dumps`` itself.
"""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable
from functools import partial
from typing import Any

_SAMPLE = {"a": [1.5, -0.0, 1e16, 1e-7, float("nan"), True, None], "é\n": {"b": "\u2028\ud800"}, "c": 12}


def _kept_encoder(default: Callable[[Any], Any] | None) -> Callable[[Any], str]:
    standard: Callable[[Any], str] = partial(json.dumps, default=default)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return standard
    try:
        encode = make(None, default or json.JSONEncoder().default, json.encoder.encode_basestring_ascii, None, ": ",
                      ", ", False, False, True)  # fmt: skip
    except TypeError:  # another signature
        return standard

    def dumps(document: Any) -> str:
        return "".join(encode(document, 0))

    try:
        same = dumps(_SAMPLE) == standard(_SAMPLE)
    except Exception:
        same = False
    return dumps if same else standard


dumps: Callable[[Any], str] = _kept_encoder(None)
"""``json.dumps(document)``."""
dumps_or_str: Callable[[Any], str] = _kept_encoder(str)
"""``json.dumps(document, default=str)``."""


def no_key_repeats(text: str, keys_held: int) -> bool:
    """Whether a JSON text whose parsed objects hold ``keys_held`` keys in all proves that no key repeats,
    whatever parsed it (the standard library and msgspec both keep the last of a repeated key): every key is
    followed by one colon, so the text has at least as many colons as keys, and at least as many keys as
    the parsed objects hold. When its colons are exactly as many, no key was dropped and none hides in a
    string or a nested object."""
    return text.count(":") == keys_held
