"""AWS Glue (PySpark) landing job: landing files to dt-partitioned Parquet."""
