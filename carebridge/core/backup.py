"""Consistent backups of the database and the stored files, and their restore, with a manifest to check both.

A backup is a directory holding the database (SQLite: a copy made with SQLite's online backup API; PostgreSQL: a
pg_dump in custom format), the stored files (media.tar), and manifest.json: when, which engine, the row count of
every table as of the backup's snapshot, and the SHA-256 of every file in it and of every stored file. On
PostgreSQL the counts and the dump read the same snapshot (pg_export_snapshot + pg_dump --snapshot), so they
agree even while the application keeps writing.
"""

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection, connections

MANIFEST = "manifest.json"
FORMAT_VERSION = 1


class BackupError(Exception):
    """A backup could not be made or restored; the message says what to do."""


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _tables():
    """Return the database tables of every installed model (concrete, managed), sorted."""
    names = set()
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            names.add(model._meta.db_table)
    return sorted(names)


def _count(cursor, tables):
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - table names come from the models
        counts[table] = cursor.fetchone()[0]
    return counts


def media_files(root):
    """Return {relative path: sha256} of every stored file under the media root."""
    root = Path(root)
    if not root.exists():
        return {}
    return {str(path.relative_to(root)): _sha256(path) for path in sorted(root.rglob("*")) if path.is_file()}


def _pg_env(db):
    env = {**os.environ}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    return env


def _pg_binary(name):
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    raise BackupError(f"{name} was not found: install the PostgreSQL client programs (Debian: postgresql-client).")


def backup_create(*, destination, alias="default"):
    """Write a consistent backup of the database and the stored files into a new directory; return its path."""
    db = connections[alias].settings_dict
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = Path(destination) / f"carebridge-backup-{stamp}"
    target.mkdir(parents=True)
    tables = _tables()
    engine = db["ENGINE"].rsplit(".", 1)[-1]
    if engine == "sqlite3":
        source = sqlite3.connect(db["NAME"])
        copy = sqlite3.connect(target / "db.sqlite3")
        try:
            source.backup(copy)  # one consistent snapshot, while other connections go on writing
        finally:
            source.close()
        counts = _count(copy.cursor(), tables)
        copy.close()
        database_file = "db.sqlite3"
    elif engine == "postgresql":
        conn = connections[alias]
        conn.ensure_connection()
        raw = conn.connection  # in autocommit mode, as Django keeps it: the BEGIN below opens the snapshot
        try:
            with raw.cursor() as cursor:
                cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
                counts = _count(cursor, tables)
                result = subprocess.run(  # noqa: S603 - our own binary and settings, no shell
                    [_pg_binary("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                     f"--snapshot={snapshot}", f"--file={target / 'db.dump'}", db["NAME"]],
                    env=_pg_env(db), capture_output=True, text=True)
                cursor.execute("COMMIT")
        except Exception:
            raw.rollback()
            raise
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        database_file = "db.dump"
    else:
        raise BackupError(f"No backup method for the {engine} engine.")
    media_root = Path(settings.MEDIA_ROOT)
    stored = media_files(media_root)
    with tarfile.open(target / "media.tar", "w") as archive:
        for relative in stored:
            archive.add(media_root / relative, arcname=relative)
    manifest = {
        "format": FORMAT_VERSION, "created_at": dt.datetime.now(dt.UTC).isoformat(), "engine": engine,
        "database_file": database_file, "counts": counts, "media": stored,
        "files": {name: _sha256(target / name) for name in (database_file, "media.tar")},
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    return target


def backup_verify(source):
    """Check a backup's files against its manifest; return the manifest or raise BackupError."""
    source = Path(source)
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} is not a CareBridge backup: {exc}") from None
    for name, digest in manifest["files"].items():
        if not (source / name).exists() or _sha256(source / name) != digest:
            raise BackupError(f"{name} in {source} is missing or damaged (checksum mismatch).")
    return manifest


def backup_restore(*, source, alias="default"):
    """Replace the database and the stored files with a verified backup; return the manifest and what was found.

    Returns {"manifest", "counts", "media"} where counts/media are read back after the restore, for checking.
    """
    source = Path(source)
    manifest = backup_verify(source)
    db = connections[alias].settings_dict
    engine = db["ENGINE"].rsplit(".", 1)[-1]
    if engine != manifest["engine"]:
        raise BackupError(f"This backup is of a {manifest['engine']} database, not {engine}.")
    connections[alias].close()
    if engine == "sqlite3":
        backup = sqlite3.connect(source / manifest["database_file"])
        live = sqlite3.connect(db["NAME"])
        try:
            backup.backup(live)
        finally:
            backup.close()
            live.close()
    else:
        result = subprocess.run(  # noqa: S603 - our own binary and settings, no shell
            [_pg_binary("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
             f"--dbname={db['NAME']}", str(source / manifest["database_file"])],
            env=_pg_env(db), capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
    media_root = Path(settings.MEDIA_ROOT)
    if media_root.exists():
        shutil.rmtree(media_root)
    media_root.mkdir(parents=True)
    with tarfile.open(source / "media.tar") as archive:
        archive.extractall(media_root, filter="data")
    with connection.cursor() as cursor:
        counts = _count(cursor, sorted(manifest["counts"]))
    return {"manifest": manifest, "counts": counts, "media": media_files(media_root)}
