"""The full-text index: FTS5 tables on SQLite, a tsvector column with a GIN index on PostgreSQL.

Neither is part of the model (the ORM never reads them); ``himoya.knowledge.search`` writes
and queries them with SQL. The tables and column are named there too.
"""

from django.db import migrations

LANGUAGES = ["en", "ru", "az", "uz"]


def _tokenizer(language: str) -> str:
    # FTS5 stems English only (porter); see himoya/knowledge/textsearch.py for the others.
    return "porter unicode61 remove_diacritics 2" if language == "en" else "unicode61 remove_diacritics 2"


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE knowledge_article ADD COLUMN search_document tsvector")
        schema_editor.execute(
            "CREATE INDEX knowledge_article_search_gin ON knowledge_article USING gin (search_document)"
        )
    elif connection.vendor == "sqlite":
        for language in LANGUAGES:
            schema_editor.execute(
                f"CREATE VIRTUAL TABLE knowledge_fts_{language} USING fts5("
                f"title, summary, body, tokenize = '{_tokenizer(language)}', prefix = '3')"
            )
    else:
        raise NotImplementedError(f"no full-text search for {connection.vendor}")


def drop(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS knowledge_article_search_gin")
        schema_editor.execute("ALTER TABLE knowledge_article DROP COLUMN IF EXISTS search_document")
    elif connection.vendor == "sqlite":
        for language in LANGUAGES:
            schema_editor.execute(f"DROP TABLE IF EXISTS knowledge_fts_{language}")


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
