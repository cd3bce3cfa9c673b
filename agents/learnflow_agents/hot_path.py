"""Which write and read path the pipeline's hot loop takes: the current one, or the one it
replaced (kept only so `benchmarks/pipeline.py --compare` measures both in one run).

LEARNFLOW_LEGACY_HOT_PATH=1 selects the replaced path in a process; benchmarks flip
`legacy` in-process. Both paths write the same rows and publish the same records (the
store and runtime tests run the current one; tests/store/test_bulk_insert.py both).
"""

import os

legacy = os.environ.get("LEARNFLOW_LEGACY_HOT_PATH", "") == "1"

# The PostgreSQL inserts of store/bulk.py as a pipelined statement per row (the path before
# the one-statement `unnest` inserts), for `benchmarks/store_writes.py` and the tests of both.
per_row_postgres_inserts = os.environ.get("LEARNFLOW_PER_ROW_PG_INSERTS", "") == "1"
