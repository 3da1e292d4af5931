"""Where Splink runs: DuckDB in process (the default) or Apache Spark (the `spark` extra)."""

from __future__ import annotations

from typing import Any, Literal

from joinedup.linkage._errors import LinkageError

Backend = Literal["duckdb", "spark"]
BACKENDS: tuple[Backend, ...] = ("duckdb", "spark")


def database_api(backend: Backend, spark_session: Any = None) -> Any:
    """A fresh Splink database API for the backend; Spark is imported only when asked for."""
    if backend == "duckdb":
        import duckdb
        from splink import DuckDBAPI

        connection = duckdb.connect()
        connection.execute("SET preserve_insertion_order = false")  # lets DuckDB stream joins in less memory
        return DuckDBAPI(connection=connection)
    if backend == "spark":
        from joinedup.linkage._spark import spark_api

        return spark_api(spark_session)
    raise LinkageError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
