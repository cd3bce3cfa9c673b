"""Markdown and code to HTML, safe to put in a notebook output.

Agents' markdown may come from an LLM, so raw HTML inside it is escaped, not rendered.
Colours are inline styles: they survive HTML export without any stylesheet.
"""

import html
from functools import lru_cache

import mistune
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound

_markdown = mistune.create_markdown(escape=True, plugins=["strikethrough", "table"])


def markdown_html(text: str) -> str:
    return str(_markdown(text or ""))


@lru_cache(maxsize=8)
def _formatter() -> HtmlFormatter:
    return HtmlFormatter(
        noclasses=True, style="default", cssstyles="margin:0;padding:6px 8px;border-radius:4px"
    )


def code_html(code: str, language: str = "python") -> str:
    try:
        lexer = get_lexer_by_name(language or "python")
    except ClassNotFound:
        lexer = TextLexer()
    return highlight(code, lexer, _formatter())


def escape(text: str) -> str:
    return html.escape(text or "", quote=True)
