"""The light markup: what is italic or bold, how paragraphs and line breaks are read, Markdown both ways."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from app.markup import Span, from_markdown, paragraphs, parse, plain, render, to_markdown, toggle


def test_stars_and_underscores_make_italics_and_double_stars_bold():
    assert parse("She was *very* tired, _quite_ **done**, ***utterly***.") == [
        Span("She was "),
        Span("very", italic=True),
        Span(" tired, "),
        Span("quite", italic=True),
        Span(" "),
        Span("done", bold=True),
        Span(", "),
        Span("utterly", italic=True, bold=True),
        Span("."),
    ]


def test_bold_and_italic_nest_either_way():
    assert parse("**a *b* c**") == [Span("a ", bold=True), Span("b", True, True), Span(" c", bold=True)]
    assert parse("*a **b** c*") == [Span("a ", italic=True), Span("b", True, True), Span(" c", italic=True)]


def test_stars_that_open_nothing_stay_as_they_are():
    for text in ["5 * 3 * 2", "* * *", "***", "a lone *star", "snake_case_name", "\\*not italic\\*"]:
        assert len(parse(text)) == 1 and not parse(text)[0].italic
    assert plain("\\*not italic\\*") == "*not italic*"
    assert plain("C:\\Users and \\\\*") == "C:\\Users and \\*"  # a backslash escapes only * _ and \\
    assert plain("un*frigging*believable") == "unfriggingbelievable"


def test_emphasis_may_cross_a_line_break_but_not_a_paragraph():
    assert parse("*first line\nsecond*") == [Span("first line\nsecond", italic=True)]


def test_paragraphs_are_blank_line_blocks_and_short_lines_keep_their_breaks():
    text = (
        "A paragraph long enough that nobody would take it for a line of verse, not even a modern poet.\n"
        "Another paragraph typed after a single Enter, also far too long to be a line of any poem.\n\n"
        "Tyger Tyger, burning bright,\nIn the forests of the night;\n\n"
        "   Indented paragraph.   "
    )
    assert paragraphs(text) == [
        "A paragraph long enough that nobody would take it for a line of verse, not even a modern poet.",
        "Another paragraph typed after a single Enter, also far too long to be a line of any poem.",
        "Tyger Tyger, burning bright,\nIn the forests of the night;",
        "Indented paragraph.",
    ]


def test_a_chapter_without_blank_lines_has_a_paragraph_per_line():
    assert paragraphs("“Yes.”\n“No.”\n“Perhaps.”") == ["“Yes.”", "“No.”", "“Perhaps.”"]


SPANS = st.lists(
    st.builds(Span, st.text(alphabet="ab *_\\\n.", min_size=1, max_size=8), st.booleans(), st.booleans()),
    max_size=8,
)


@given(SPANS)
@settings(max_examples=300, deadline=None)
def test_rendered_spans_read_back_as_the_same_text_and_formatting(spans):
    # Formatting of spaces is invisible and is not kept; an italic run straight into a bold one (no space
    # between) is beyond the markup.
    back = parse(render(spans))
    assert "".join(s.text for s in back) == "".join(s.text for s in spans)
    shown = [(ch, s.italic, s.bold) for s in spans for ch in s.text if not ch.isspace()]
    if all(_no_format_clash(spans)):
        assert [(ch, s.italic, s.bold) for s in back for ch in s.text if not ch.isspace()] == shown


def _no_format_clash(spans):
    visible = [s for s in spans if s.text.strip()]
    for a, b in pairwise(visible):
        touching = not a.text[-1].isspace() and not b.text[0].isspace()
        formats = {(a.italic, a.bold), (b.italic, b.bold)}
        yield not (touching and len(formats) == 2 and (False, False) not in formats)


def test_markdown_keeps_the_markup_and_escapes_everything_else():
    assert to_markdown("She was *very* tired and **cross**.") == "She was *very* tired and **cross**."
    assert to_markdown("# not a heading") == "\\# not a heading"
    assert to_markdown("1. not a list") == "1\\. not a list"
    assert to_markdown("- nor this") == "\\- nor this"
    assert to_markdown("    no code block") == "no code block"
    assert to_markdown("`no code span` <no html> [no link] 5 * 3 \\") == (
        "\\`no code span\\` \\<no html\\> \\[no link\\] 5 \\* 3 \\\\"
    )
    assert to_markdown("Tyger Tyger,\nburning bright") == "Tyger Tyger,\\\nburning bright"


def test_markdown_reads_back_as_the_markup():
    assert from_markdown("\\# one \\`two\\` 5 \\* 3 &amp; \\\\") == "# one `two` 5 \\* 3 & \\"
    assert from_markdown("__bold__ and *it*") == "**bold** and *it*"


def test_toggle_puts_markers_around_a_text_and_takes_away_only_those_that_style_it():
    assert toggle("vain", "*") == "*vain*" and toggle("*vain*", "*") == "vain"
    assert toggle("*vain*", "**") == "***vain***" and toggle("***vain***", "**") == "*vain*"
    assert toggle("**vain**", "*") == "***vain***" and toggle("***vain***", "*") == "**vain**"
    assert toggle("*a* and *b*", "*") == "**a* and *b**"  # not one italic stretch: wrapped, not unwrapped
    assert plain(toggle("5 * 3", "*")) == "5 * 3"
