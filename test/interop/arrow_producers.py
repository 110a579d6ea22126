"""Arrow IPC streams written by the real Python producers, for the ingest tests.

Reads {"cases": [...]} as JSON on stdin and prints one JSON line per case on stdout:
{"ok": true, "b64": "<the stream>"} or {"ok": false, "error": "..."}. With --serve, reads one
case a line and answers each at once, until stdin closes. One process serves many cases:
starting Python and importing pyarrow and polars is most of the cost.

A case:
  {"producer": "pyarrow", "compression": null | "lz4" | "zstd", "format": "stream" | "file",
   "deltas": false, "chunk": rows per batch (write_table's max_chunksize) or absent,
   "batches": [{"columns": [COLUMN, ...]}, ...]}     (or "columns" for one batch)
  {"producer": "polars", "compression": "uncompressed" | "lz4" | "zstd" | null (polars' default),
   "columns": [{"name": ..., "dtype": "pl.Categorical", "values": [...], "expr": optional}]}

A pyarrow COLUMN: {"name": ..., "type": "<pyarrow type expression>", "values": [...]}, where
  - decimals are given as strings, floats may be "NaN", "Infinity", "-Infinity";
  - binary values are strings (UTF-8) or {"hex": "..."};
  - a dictionary type takes "values" as the indices (null, or out of range on purpose) and
    "dictionary" as the entries;
  - "expr" instead of "type": a Python expression building the array (pa, pc, decimal, datetime,
    values in scope), e.g. to let pyarrow infer the type from Python objects as a user would.
"""

import base64
import datetime
import decimal
import io
import json
import sys

import pyarrow as pa
import pyarrow.compute as pc

try:
    import polars as pl
except ImportError:  # the pyarrow cases still run; polars cases report it
    pl = None

SPECIAL_FLOATS = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}


def scope(values):
    return {"pa": pa, "pc": pc, "decimal": decimal, "datetime": datetime, "values": values, "pl": pl}


def is_integer_backed(arrow_type):
    t = pa.types
    return (
        t.is_integer(arrow_type)
        or t.is_timestamp(arrow_type)
        or t.is_date(arrow_type)
        or t.is_time(arrow_type)
        or t.is_duration(arrow_type)
    )


def convert(values, arrow_type):
    if is_integer_backed(arrow_type):
        # Integers past 2^53 travel as strings: JSON numbers in JavaScript cannot hold them.
        return [int(v) if isinstance(v, str) else v for v in values]
    if pa.types.is_decimal(arrow_type):
        return [None if v is None else decimal.Decimal(v) for v in values]
    if pa.types.is_map(arrow_type):
        return [None if v is None else [tuple(pair) for pair in v] for v in values]
    if pa.types.is_floating(arrow_type):
        return [SPECIAL_FLOATS[v] if isinstance(v, str) else None if v is None else float(v) for v in values]
    if pa.types.is_binary(arrow_type) or pa.types.is_large_binary(arrow_type) or pa.types.is_fixed_size_binary(arrow_type) or (
        hasattr(pa.types, "is_binary_view") and pa.types.is_binary_view(arrow_type)
    ):
        return [
            None if v is None else bytes.fromhex(v["hex"]) if isinstance(v, dict) else v.encode("utf-8")
            for v in values
        ]
    return values


def column(spec):
    values = spec.get("values", [])
    if "expr" in spec:
        return eval(spec["expr"], scope(values))  # noqa: S307 (test input written by the tests)
    arrow_type = eval(spec["type"], scope(values))  # noqa: S307
    if pa.types.is_null(arrow_type):
        return pa.nulls(len(values))
    if pa.types.is_dictionary(arrow_type):
        indices = pa.array(convert(values, arrow_type.index_type), arrow_type.index_type)
        entries = pa.array(convert(spec["dictionary"], arrow_type.value_type), arrow_type.value_type)
        return pa.DictionaryArray.from_arrays(indices, entries, safe=False)
    return pa.array(convert(values, arrow_type), arrow_type)


def pyarrow_case(case):
    batches = case.get("batches") or [{"columns": case["columns"]}]
    tables = []
    for batch in batches:
        names = [c["name"] for c in batch["columns"]]
        tables.append(pa.RecordBatch.from_arrays([column(c) for c in batch["columns"]], names=names))
    options = pa.ipc.IpcWriteOptions(
        compression=case.get("compression"), emit_dictionary_deltas=bool(case.get("deltas"))
    )
    sink = io.BytesIO()
    schema = tables[0].schema
    writer_of = pa.ipc.new_file if case.get("format") == "file" else pa.ipc.new_stream
    with writer_of(sink, schema, options=options) as writer:
        if case.get("chunk"):
            # As a user would write a table: pyarrow cuts it into batches of `chunk` rows.
            writer.write_table(pa.Table.from_batches(tables), max_chunksize=case["chunk"])
        else:
            for table in tables:
                writer.write_batch(table)
    return sink.getvalue()


def polars_case(case):
    if pl is None:
        raise RuntimeError("polars is not installed: pip install polars==1.44.2")
    series = []
    for spec in case["columns"]:
        if "expr" in spec:
            series.append(eval(spec["expr"], scope(spec.get("values", []))).alias(spec["name"]))  # noqa: S307
        else:
            dtype = eval(spec["dtype"], scope([])) if "dtype" in spec else None  # noqa: S307
            series.append(pl.Series(spec["name"], spec["values"], dtype=dtype))
    frame = pl.DataFrame(series)
    sink = io.BytesIO()
    if case.get("compression") is None:
        frame.write_ipc_stream(sink)
    else:
        frame.write_ipc_stream(sink, compression=case["compression"])
    return sink.getvalue()


def answer(case):
    try:
        data = polars_case(case) if case.get("producer") == "polars" else pyarrow_case(case)
        return json.dumps({"ok": True, "b64": base64.b64encode(data).decode("ascii")})
    except Exception as error:  # reported per case: the test names the one that failed
        return json.dumps({"ok": False, "error": f"{type(error).__name__}: {error}"})


def serve():
    """One case a line on stdin, one answer a line on stdout, until stdin closes."""
    for line in sys.stdin:
        if line.strip():
            print(answer(json.loads(line)), flush=True)


def main():
    if "--serve" in sys.argv:
        serve()
        return
    request = json.load(sys.stdin)
    if request.get("versions"):
        print(json.dumps({"pyarrow": pa.__version__, "polars": pl.__version__ if pl else None}))
        return
    for case in request["cases"]:
        print(answer(case))


if __name__ == "__main__":
    main()
