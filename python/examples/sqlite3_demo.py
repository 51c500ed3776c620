"""sqlite3 from <sqlite3.h>: open, exec with a Python callback, prepare/bind/step."""
import wyvern

ffi = wyvern.FFI()
sq = ffi.include("<sqlite3.h>", lib="libsqlite3.so.0")

db_out = ffi.new("sqlite3 **")
assert sq.sqlite3_open(b":memory:", db_out) == sq.SQLITE_OK
db = db_out[0]
sq.sqlite3_exec(db, b"CREATE TABLE t(name TEXT, n INT); INSERT INTO t VALUES ('a', 1), ('b', 2);", ffi.NULL, ffi.NULL, ffi.NULL)

rows = []
@ffi.callback("int(void *, int, char **, char **)")
def on_row(_, ncols, values, names):
    rows.append({ffi.string(names[i]).decode(): ffi.string(values[i]).decode() for i in range(ncols)})
    return 0
assert sq.sqlite3_exec(db, b"SELECT name, n FROM t ORDER BY n", on_row, ffi.NULL, ffi.NULL) == sq.SQLITE_OK

stmt_out = ffi.new("sqlite3_stmt **")
sq.sqlite3_prepare_v2(db, b"SELECT n * ? FROM t WHERE name = ?", -1, stmt_out, ffi.NULL)
stmt = stmt_out[0]
sq.sqlite3_bind_int(stmt, 1, 21)
sq.sqlite3_bind_text(stmt, 2, b"b", -1, sq.SQLITE_TRANSIENT)
assert sq.sqlite3_step(stmt) == sq.SQLITE_ROW
product = sq.sqlite3_column_int(stmt, 0)
sq.sqlite3_finalize(stmt)
sq.sqlite3_close(db)
print(f"sqlite {ffi.string(sq.sqlite3_libversion()).decode()}: rows {rows}, 2 * 21 = {product}")
