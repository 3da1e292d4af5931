"""The Spark backend (the `spark` extra): the same model on Splink's SparkAPI, for places beyond one machine."""

from __future__ import annotations

import tempfile
from typing import Any

from joinedup.linkage._errors import LinkageError

EXTRA_HINT = "the Spark backend needs the spark extra: pip install 'joinedup[spark]' (and Java 17)"


def local_session(cores: int = 2) -> Any:
    """A local Spark session with Splink's similarity functions registered (for tests and one machine)."""
    try:
        from pyspark.sql import SparkSession
        from splink.backends.spark import similarity_jar_location
    except ImportError as error:
        raise LinkageError(EXTRA_HINT) from error
    session = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("joinedup-linkage")
        .config("spark.jars", similarity_jar_location())
        .config("spark.sql.shuffle.partitions", str(cores * 4))
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    session.sparkContext.setCheckpointDir(tempfile.mkdtemp(prefix="joinedup-spark-checkpoints-"))
    return session


def spark_api(spark_session: Any = None) -> Any:
    try:
        from splink.backends.spark import SparkAPI
    except ImportError as error:
        raise LinkageError(EXTRA_HINT) from error
    return SparkAPI(  # type: ignore[no-untyped-call]
        spark_session=spark_session if spark_session is not None else local_session()
    )
