"""Personalisation of message content: Jinja2's sandboxed environment, shared by the canvas
(check at save), the channels (render at delivery) and custom actions (payload templates).

- `check_template(source)` → None, or a `TemplateProblem` with line and column.
- `render_template(source, context, autoescape=...)` → str, capped at MAX_OUTPUT_CHARS.
Rendering only ever gets plain dicts/lists/strings/numbers (never model instances): callers
build the context with `profile_context(...)`-style helpers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import ChainableUndefined, StrictUndefined, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_SOURCE_CHARS = 200_000
MAX_OUTPUT_CHARS = 500_000


class TemplateOutputTooLarge(ValueError):
    pass


@dataclass(frozen=True)
class TemplateProblem:
    message: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.message}"


class _LenientUndefined(ChainableUndefined):
    """Missing values render as '' (so `{{ profile.first_name | default('there') }}` works)."""


@lru_cache(maxsize=2)
def _environment(autoescape: bool) -> ImmutableSandboxedEnvironment:
    return ImmutableSandboxedEnvironment(autoescape=autoescape, undefined=_LenientUndefined)


@lru_cache(maxsize=4096)
def _compiled(source: str, autoescape: bool):
    return _environment(autoescape).from_string(source)


def check_template(source: str) -> TemplateProblem | None:
    """Parse `source`; a syntax error comes back with its line and column."""
    if len(source) > MAX_SOURCE_CHARS:
        return TemplateProblem(f"template longer than {MAX_SOURCE_CHARS} characters", 1, 1)
    try:
        _environment(False).parse(source)
    except TemplateSyntaxError as exc:
        line = exc.lineno or 1
        text = source.splitlines()[line - 1] if source.splitlines() else ""
        column = _guess_column(text)
        return TemplateProblem(exc.message or "syntax error", line, column)
    return None


def _guess_column(line_text: str) -> int:
    """Jinja reports lines only; point at the last tag opener on that line."""
    positions = [line_text.rfind(token) for token in ("{{", "{%", "{#")]
    best = max(positions)
    return best + 1 if best >= 0 else 1


def render_template(source: str, context: dict[str, Any], *, autoescape: bool = False) -> str:
    """Render in the sandbox. HTML bodies pass autoescape=True."""
    output = _compiled(source, autoescape).render(**context)
    if len(output) > MAX_OUTPUT_CHARS:
        raise TemplateOutputTooLarge(f"rendered output over {MAX_OUTPUT_CHARS} characters")
    return output


__all__ = [
    "MAX_OUTPUT_CHARS",
    "StrictUndefined",
    "TemplateOutputTooLarge",
    "TemplateProblem",
    "check_template",
    "render_template",
]
