"""Show an IPS to a person: its sections' narratives, rebuilt from an allow-list so no markup of a foreign source
(an imported summary may carry anything) reaches the page."""

import xml.etree.ElementTree as ET
from html import escape

from django.utils.safestring import mark_safe

ALLOWED = {"div", "p", "span", "b", "i", "strong", "em", "br", "ul", "ol", "li", "table", "thead", "tbody", "tfoot",
           "tr", "th", "td", "caption", "h1", "h2", "h3", "h4", "h5", "h6", "sub", "sup"}
KEPT_ATTRIBUTES = {"lang", "dir", "colspan", "rowspan"}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _local(tag):
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _render(element, out):
    tag = _local(element.tag)
    keep = tag in ALLOWED
    if keep:
        attributes = {name: value for name, value in element.attrib.items() if name in KEPT_ATTRIBUTES}
        if XML_LANG in element.attrib and "lang" not in attributes:
            attributes["lang"] = element.attrib[XML_LANG]
        out.append(f"<{tag}" + "".join(f' {name}="{escape(value)}"' for name, value in attributes.items()) + ">")
    if element.text:
        out.append(escape(element.text))
    for child in element:
        _render(child, out)
        if child.tail:
            out.append(escape(child.tail))
    if keep and tag != "br":
        out.append(f"</{tag}>")


def safe_narrative(div):
    """Return a narrative's XHTML as markup safe to put on a page (text only when it does not parse)."""
    if "<!" in (div or ""):
        return escape(div)  # no DOCTYPE, entity or CDATA in a narrative: nothing to expand, nothing to trust
    try:
        root = ET.fromstring(div or "<div/>")  # noqa: S314 - declarations refused above, so no entity expansion
    except ET.ParseError:
        return escape(div or "")
    out = []
    _render(root, out)
    return mark_safe("".join(out))  # noqa: S308 - rebuilt from an allow-list, every text escaped


def ips_sections(bundle):
    """Return the IPS's Composition title and its sections as [{title, narrative}] for a page."""
    entries = [entry.get("resource", {}) for entry in bundle.get("entry", [])]
    composition = next((r for r in entries if r.get("resourceType") == "Composition"), {})
    sections = [{"title": section.get("title", ""),
                 "narrative": safe_narrative((section.get("text") or {}).get("div", ""))}
                for section in composition.get("section", [])]
    return {"title": composition.get("title", ""), "date": composition.get("date", ""),
            "summary": safe_narrative((composition.get("text") or {}).get("div", "")), "sections": sections}
