#!/usr/bin/env python
"""Make, check and compile the gettext catalogs of every app and of the project's templates.

    scripts/messages.py make     extract strings into each app's locale/ and the top-level locale/
    scripts/messages.py make APP extract only carebridge/APP (its code and its own templates) into its locale/
    scripts/messages.py fill FILE.json  put translations {"ru": {"msgid": "msgstr"}, ...} into every catalog lacking them
    scripts/messages.py check    fail unless every catalog of the 12 locales is complete (no untranslated, no fuzzy)
    scripts/messages.py compile  write the .mo files with Babel (no GNU gettext needed at run time)
"""

import fcntl
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
APPS = sorted(p.parent for p in (ROOT / "carebridge").glob("*/apps.py"))
LOCALES = ["en", "zh_Hans", "ru", "mn", "ar", "ko", "ja", "vi", "th", "fr", "es", "ur"]


def catalogs(bases=None):
    """Yield every .po file the project owns (or only those under the given base directories)."""
    for base in bases or [*APPS, ROOT]:
        yield from sorted((base / "locale").glob("*/LC_MESSAGES/*.po"))


def make(only=None):
    """Extract messages: each app into its own locale/, templates into the top-level locale/."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(ROOT)}
    # Celery's app (imported by config) puts the working directory first on sys.path; inside an app that would let
    # its own module (interop/fhir.py) hide a package of the same name (fhir.resources), so take it out again.
    admin = [sys.executable, "-P", "-c",
             "import os, sys, config; sys.path[:] = [p for p in sys.path if p not in ('', os.getcwd())]; "
             "from django.core.management import execute_from_command_line; "
             "execute_from_command_line(['django-admin', *sys.argv[1:]])"]
    locale_args = [arg for code in LOCALES for arg in ("-l", code)]
    if only:
        app = ROOT / "carebridge" / only
        (app / "locale").mkdir(exist_ok=True)
        subprocess.run([*admin, "makemessages", *locale_args, "--no-obsolete", "--no-location",
                        "--ignore", "tests/*"], cwd=app, env=env, check=True)
        fix_headers([app])
        fill_english([app])
        return
    for app in APPS:
        (app / "locale").mkdir(exist_ok=True)
        subprocess.run([*admin, "makemessages", *locale_args, "--no-obsolete", "--no-location",
                        "--ignore", "tests/*"], cwd=app, env=env, check=True)
    subprocess.run([*admin, "makemessages", *locale_args, "--no-obsolete", "--no-location",
                    "--ignore", "carebridge/*", "--ignore", ".venv/*", "--ignore", "node_modules/*",
                    "--ignore", "staticfiles/*", "--ignore", "tests/*", "--ignore", "bench/*", "--ignore", "scripts/*",
                    "--ignore", "config/*"], cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)}, check=True)
    fix_headers()
    fill_english()


def fix_headers(bases=None):
    """Give each new catalog its language and the plural rule of that language (CLDR, through Babel)."""
    for po in catalogs(bases):
        code = po.parts[-3]
        plural = get_plural(code)
        text = po.read_text(encoding="utf-8")
        text = re.sub(r'"Plural-Forms: [^"]*\\n"', f'"Plural-Forms: nplurals={plural.num_plurals}; plural=({plural.plural_expr});\\\\n"', text, count=1)
        text = re.sub(r'"Language: [^"]*\\n"', f'"Language: {code}\\\\n"', text, count=1)
        text = text.replace('"Content-Type: text/plain; charset=CHARSET\\n"', '"Content-Type: text/plain; charset=UTF-8\\n"')
        po.write_text(text, encoding="utf-8")
        # A round trip through Babel gives plural messages exactly as many forms as the language has.
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=code)
        with po.open("wb") as fh:
            write_po(fh, catalog, width=0)


def fill_english(bases=None):
    """English is the source language: its catalogs carry each message as its own translation."""
    for po in catalogs(bases):
        if po.parts[-3] != "en":
            continue
        with po.open("rb") as fh:
            catalog = read_po(fh, locale="en")
        for message in catalog:
            if not message.id:
                continue
            if isinstance(message.id, tuple):
                message.string = tuple(message.id)
            else:
                message.string = message.id
            message.flags.discard("fuzzy")
        with po.open("wb") as fh:
            write_po(fh, catalog, width=0)


def check():
    """Report incomplete catalogs; exit 1 when any string lacks a translation in any locale."""
    problems = []
    seen = {}
    for po in catalogs():
        locale = po.parts[-3]
        seen.setdefault(po.parent.parent.parent, set()).add(locale)
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        for message in catalog:
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if "fuzzy" in message.flags or not all(strings):
                problems.append(f"{po.relative_to(ROOT)}: {message.id!r}")
    for base, locales in seen.items():
        missing = sorted(set(LOCALES) - locales)
        if missing:
            problems.append(f"{base.relative_to(ROOT)}: no catalog for {', '.join(missing)}")
    total = sum(1 for _ in catalogs())
    if problems:
        print(f"messages: {len(problems)} problem(s) in {total} catalogs")
        for line in problems[:200]:
            print("  " + line)
        return 1
    print(f"messages: {total} catalogs complete in {len(LOCALES)} locales")
    return 0


def compile_all():
    """Write the .mo file beside each .po file."""
    for po in catalogs():
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=po.parts[-3])
        with po.with_suffix(".mo").open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
    return 0


def fill(path):
    """Fill untranslated or fuzzy messages of every catalog from a JSON file of {locale: {msgid: msgstr}}.

    A plural message takes a list of forms. Returns how many messages were filled.
    """
    table = json.loads(Path(path).read_text(encoding="utf-8"))
    filled = 0
    for po in catalogs():
        locale = po.parts[-3]
        strings = table.get(locale) or table.get(locale.replace("_", "-").lower()) or {}
        if not strings:
            continue
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        changed = False
        for message in catalog:
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            if not key or key not in strings:
                continue
            current = message.string if isinstance(message.string, tuple) else (message.string,)
            if all(current) and "fuzzy" not in message.flags:
                continue
            value = strings[key]
            if isinstance(message.id, tuple):
                forms = value if isinstance(value, list) else [value]
                count = len(current)
                message.string = tuple((forms + [forms[-1]] * count)[:count])
            else:
                message.string = value if isinstance(value, str) else value[0]
            message.flags.discard("fuzzy")
            changed = True
            filled += 1
        if changed:
            with po.open("wb") as fh:
                write_po(fh, catalog, width=0)
    print(f"messages: filled {filled} message(s)")
    return 0


def locked(function):
    """Run a catalog-writing command under one lock, so that parallel runs never overwrite each other's work."""
    def run(*args):
        with open(Path(os.environ.get("TMPDIR", "/tmp")) / "carebridge-messages.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            return function(*args)
    return run


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    commands = {
        "make": lambda: locked(make)(*sys.argv[2:3]) or 0,
        "fill": lambda: locked(fill)(sys.argv[2]),
        "check": check,
        "compile": lambda: locked(compile_all)(),
    }
    sys.exit(commands[command]())
