"""No regular expression in the codebase backtracks on hostile input (issue 19, item 13).

Every compiled pattern held at module level anywhere in ``airpicture`` (found by importing every module) is
run with ``search`` and ``finditer`` over adversarial strings of n and 16n characters. A linear pattern takes
about 16× the time on 16× the input (up to ≈ 3× more when the larger input leaves a CPU cache); a quadratic
one 256×. The budget is a ratio (:data:`RATIO`), never an absolute time; a ratio over it is measured again
at twice the sizes before it counts (noise does not repeat, backtracking does), and a run under
:data:`FLOOR_S` on the large input is too short to be evidence and is not judged.
"""

from __future__ import annotations

import base64
import gc
import importlib
import pkgutil
import random
import re
import time
from collections.abc import Callable

import pytest

import airpicture

N = 500
GROWTH = 16
RATIO = 64.0
FLOOR_S = 0.0003
_RNG = random.Random(13)

INPUTS: dict[str, Callable[[int], str]] = {
    "spaces then x": lambda n: "x" + " " * n + "!",
    "digits": lambda n: "1" * n,
    "digits then x": lambda n: "RADIUS " + "1" * n + "x",
    "spaced digits": lambda n: "1 " * (n // 2),
    "letters": lambda n: "A" * n,
    "lower letters": lambda n: "a" * n,
    "words": lambda n: "AB " * (n // 3),
    "base64": lambda n: base64.b64encode(_RNG.randbytes(n * 3 // 4)).decode(),
    "dots": lambda n: "a." * (n // 2),
    "at signs": lambda n: "a@" * (n // 2),
    "colons": lambda n: "1:" * (n // 2),
    "commas": lambda n: "a, " * (n // 3),
    "brackets": lambda n: "(" * n,
    "hex": lambda n: "0123456789abcdef" * (n // 16),
    "notam-ish": lambda n: "A1234/22 " * (n // 9),
    "coordinates": lambda n: "5212N02912E " * (n // 12),
    "dashes": lambda n: "1-" * (n // 2),
}


def _patterns() -> list[tuple[str, re.Pattern[str] | re.Pattern[bytes]]]:
    found: dict[int, tuple[str, re.Pattern[str] | re.Pattern[bytes]]] = {}
    for info in pkgutil.walk_packages(airpicture.__path__, "airpicture."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern):
                found.setdefault(id(value), (f"{info.name}.{name}", value))
    return sorted(found.values(), key=lambda item: item[0])


PATTERNS = _patterns()


def _once(pattern: re.Pattern[str] | re.Pattern[bytes], subject: str | bytes) -> float:
    started = time.perf_counter()
    pattern.search(subject)  # type: ignore[arg-type]
    for _match in pattern.finditer(subject):  # type: ignore[arg-type]
        pass
    return time.perf_counter() - started


def _ratio(pattern: re.Pattern[str] | re.Pattern[bytes], make: Callable[[int], str], n: int) -> tuple[float, float]:
    """(time on GROWTH·n, its ratio to the time on n): best of 5, measured alternately, with the GC off."""
    small, large = make(n), make(GROWTH * n)
    if isinstance(pattern.pattern, bytes):
        small, large = small.encode(), large.encode()  # type: ignore[assignment]
    best_small = best_large = float("inf")
    gc.disable()
    try:
        for _ in range(5):
            best_small = min(best_small, _once(pattern, small))
            best_large = min(best_large, _once(pattern, large))
    finally:
        gc.enable()
    return best_large, best_large / max(best_small, 1e-7)


def test_the_audit_sees_the_patterns() -> None:
    names = {name for name, _ in PATTERNS}
    assert len(PATTERNS) > 30
    assert {"airpicture.sources.redact._EMAIL", "airpicture.reference.gazetteer._QUALIFIER"} <= names
    assert "airpicture.decode.notam.geometry._CIRCLE" in names


@pytest.mark.parametrize(("name", "pattern"), PATTERNS, ids=[name for name, _ in PATTERNS])
def test_no_pattern_is_superlinear(name: str, pattern: re.Pattern[str] | re.Pattern[bytes]) -> None:
    slow = []
    for kind, make in INPUTS.items():
        large, ratio = _ratio(pattern, make, N)
        if large < FLOOR_S or ratio <= RATIO:
            continue
        _, again = _ratio(pattern, make, 2 * N)  # a superlinear pattern stays so at the next scale; noise does not
        if again > RATIO:
            slow.append(f"{kind}: {ratio:.0f}× then {again:.0f}×")
            break  # one is enough: a backtracking pattern is slow on several inputs
    assert not slow, f"{name} is superlinear on: {', '.join(slow)}"
