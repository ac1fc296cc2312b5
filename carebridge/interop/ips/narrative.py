"""Section narratives of the IPS: an XHTML table in the patient's language, then the same in English."""

from html import escape

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from carebridge.clinical.terminology import normalise_language

XHTML = "http://www.w3.org/1999/xhtml"
RTL = {"ar", "ur", "he", "fa"}

NO_INFORMATION = _("No information is available.")
NOT_ASKED = _("Not yet asked: no visit has been recorded.")


def narrative_languages(language):
    """Return the languages a narrative is written in: the patient's (when it is a UI locale), then English."""
    own = normalise_language(language)
    return [own, "en"] if own and own != "en" else ["en"]


def _table(headings, rows):
    head = "".join(f"<th>{escape(str(heading))}</th>" for heading in headings)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def section_div(*, languages, title, headings, rows, empty_text=NO_INFORMATION):
    """Return a section's text.div: a block per language, each with its title and a table (or why it is empty).

    `headings` is a list of lazy strings; `rows` is a function of a language returning lists of cells.
    """
    blocks = []
    for language in languages:
        with translation.override(language):
            direction = ' dir="rtl"' if language.split("-")[0] in RTL else ""
            content = _table(headings, rows(language)) if rows is not None else f"<p>{escape(str(empty_text))}</p>"
            blocks.append(f'<div lang="{language}" xml:lang="{language}"{direction}>'
                          f"<h3>{escape(str(title))}</h3>{content}</div>")
    return f'<div xmlns="{XHTML}">{"".join(blocks)}</div>'


def narrative(div):
    """Return the Narrative element of a generated text."""
    return {"status": "generated", "div": div}
