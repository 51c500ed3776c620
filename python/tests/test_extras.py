"""What wyvern adds to cffi's API: layouts (against gcc), declarations from
DWARF, .wydb databases, checking headers against a binary, and include()
with real libraries (zlib, sqlite3)."""

import re
import zlib

import pytest

import wyvern

# The records the layout tests compare with gcc's sizeof/offsetof.
LAYOUT_STRUCTS = {
    "struct outer": ["c", "in", "w", "pts"],
    "struct inner": ["s", "tag"],
    "struct mixed": ["i", "d"],
    "struct vec3": ["x", "y", "z"],
    "struct big": ["a"],
    "union num": ["i", "f", "d"],
}


def gcc_layouts(c_program, fixture_lib):
    """{record: (size, align, {field: offset})} as gcc lays them out."""
    lines = ['#include <stdio.h>', '#include <stddef.h>', '#include "fixture.h"', "int main(void) {"]
    for rec, fields in LAYOUT_STRUCTS.items():
        lines.append('printf("%s %%zu %%zu\\n", sizeof(%s), _Alignof(%s));' % (rec.replace(" ", "_"), rec, rec))
        for f in fields:
            lines.append('printf("  %s %%zu\\n", offsetof(%s, %s));' % (f, rec, f))
    lines.append("return 0; }")
    out = c_program("\n".join(lines), include_dirs=[fixture_lib.include_dir])
    result, current = {}, None
    for line in out.splitlines():
        if line.startswith("  "):
            name, off = line.split()
            result[current][2][name] = int(off)
        else:
            rec, size, align = line.split()
            current = rec.replace("_", " ", 1)
            result[current] = (int(size), int(align), {})
    return result


def gcc_bitfields(c_program, fixture_lib):
    """{field: (first bit, width)} of struct flags, found by setting each
    field to all ones in a zeroed struct and looking at the bytes."""
    prog = r"""
#include <stdio.h>
#include <string.h>
#include "fixture.h"
static void show(const char *name, struct flags *f) {
    unsigned char *b = (unsigned char *)f; int first = -1, n = 0;
    for (int i = 0; i < (int)(8 * sizeof *f); i++)
        if (b[i / 8] >> (i % 8) & 1) { if (first < 0) first = i; n++; }
    printf("%s %d %d\n", name, first, n);
}
int main(void) {
    struct flags f;
    memset(&f, 0, sizeof f); f.a = ~0u; show("a", &f);
    memset(&f, 0, sizeof f); f.b = ~0u; show("b", &f);
    memset(&f, 0, sizeof f); f.c = -1; show("c", &f);
    memset(&f, 0, sizeof f); f.d = ~0u; show("d", &f);
    printf("size %zu\n", sizeof f);
    return 0;
}
"""
    out = c_program(prog, include_dirs=[fixture_lib.include_dir])
    rows = dict((l.split()[0], tuple(map(int, l.split()[1:]))) for l in out.splitlines())
    return rows


def test_layout_dict_matches_gcc(fixture_lib, c_program):
    ffi = fixture_lib.cdef(wyvern.FFI())
    gcc = gcc_layouts(c_program, fixture_lib)
    for rec, (size, align, offsets) in gcc.items():
        d = ffi.layout(rec, format="dict")
        assert d["name"] == rec
        assert d["kind"] == rec.split()[0]
        assert (d["size"], d["align"]) == (size, align), rec
        got = {f["name"]: f["offset"] for f in d["fields"]}
        assert got == offsets, rec
        # and the cffi-style API agrees with the layout
        assert ffi.sizeof(rec) == size and ffi.alignof(rec) == align
        for name, off in offsets.items():
            assert ffi.offsetof(rec, name) == off


def test_layout_dict_bitfields_match_gcc(fixture_lib, c_program):
    ffi = fixture_lib.cdef(wyvern.FFI())
    gcc = gcc_bitfields(c_program, fixture_lib)
    d = ffi.layout("struct flags", format="dict")
    assert d["size"] == gcc["size"][0]
    for f in d["fields"]:
        first, width = gcc[f["name"]]
        assert (f["bit_offset"], f["bit_width"]) == (first, width), f["name"]


def test_layout_text(fixture_lib, c_program):
    ffi = fixture_lib.cdef(wyvern.FFI())
    gcc = gcc_layouts(c_program, fixture_lib)
    text = ffi.layout("struct outer")
    assert text.startswith("struct outer {")
    size, align, offsets = gcc["struct outer"]
    assert "/* size: %d, align: %d" % (size, align) in text
    for name, off in offsets.items():
        m = re.search(r"\b%s(\[\d+\])?;\s+/\*\s+(\d+)" % name, text)
        assert m, (name, text)
        assert int(m.group(2)) == off, name
    # char c at 0, then struct inner (align 2) at 2: a one-byte hole
    assert "/* XXX 1 bytes hole, try to pack */" in text


def test_layout_errors(ffi):
    ffi.cdef("struct s { int a; }; struct opaque;")
    with pytest.raises(ValueError):
        ffi.layout("struct s", format="yaml")
    with pytest.raises(wyvern.CDefError, match="no type 'struct nothere'"):
        ffi.layout("struct nothere")
    with pytest.raises(wyvern.FFIError, match="not a struct or union"):
        ffi.layout("int")
    with pytest.raises(wyvern.FFIError, match="incomplete"):
        ffi.layout("struct opaque")


def test_dwarf_without_header(fixture_lib, c_program):
    ffi = wyvern.FFI()
    ffi.dwarf(fixture_lib.so)
    lib = ffi.dlopen(fixture_lib.so)
    assert lib.add(40, 2) == 42
    assert lib.scale(0.5, 3) == 1.5
    r = lib.vec3_scale([1.0, 2.0, 3.0], 3.0)
    assert (r.x, r.y, r.z) == (3.0, 6.0, 9.0)
    assert list(lib.big_make(5).a) == [5, 6, 7, 8, 9]
    f = lib.flags_make(5, 17, -3, 99999)
    assert lib.flags_pack(f) == 5 + 170 - 3000 + 9999900000
    assert lib.counter == lib.bump() - 1
    # variadic, enums, strings, callbacks of a typedef'd function pointer type,
    # const globals: all from the DWARF alone
    assert lib.sum_ints(3, 1, 2, 3) == 6
    assert ffi.string(lib.color_name(6)) == b"blue"
    assert lib.count_char(b"banana", b"a") == 3
    assert lib.apply_in_thread(ffi.callback("binop", lambda a, b: a - b), 6, 7) == -1
    assert float(lib.ld_twice(1.5)) == 3.0
    assert lib.golden == 1.618
    with pytest.raises(TypeError, match="const"):
        lib.limit = 3
    gcc = gcc_layouts(c_program, fixture_lib)
    for rec, (size, align, offsets) in gcc.items():
        assert ffi.sizeof(rec) == size, rec
        for name, off in offsets.items():
            assert ffi.offsetof(rec, name) == off


def test_save_and_load_round_trip(fixture_lib, tmp_path):
    src = fixture_lib.cdef(wyvern.FFI())
    path = str(tmp_path / "fixture.wydb")
    src.save(path)
    ffi = wyvern.FFI()
    ffi.load(path)
    lib = ffi.dlopen(fixture_lib.so)
    assert lib.add(1, 2) == 3
    p = lib.make_point(4, 5)
    assert (p.x, p.y) == (4, 5)
    assert lib.mixed_total(lib.mixed_make(2, 0.5)) == 2.5
    assert lib.big_sum(lib.big_make(0)) == sum(i * (i + 1) for i in range(5))
    assert lib.sum_ints(2, 20, 22) == 42
    assert lib.FIXTURE_VERSION == 3
    assert lib.FIXTURE_NAME == b"fixture"
    for rec in LAYOUT_STRUCTS:
        assert ffi.layout(rec, format="dict") == src.layout(rec, format="dict")
    o = ffi.new("struct outer *", {"w": 2.0, "pts": [[0, 0], [0, 1]]})
    assert lib.outer_weight(o) == 3.0


def test_load_rejects_garbage(ffi, tmp_path):
    bad = tmp_path / "bad.wydb"
    bad.write_bytes(b"not a database at all")
    with pytest.raises(wyvern.FFIError, match="not a wyvern database"):
        ffi.load(str(bad))
    with pytest.raises(wyvern.FFIError, match="No such file"):
        ffi.load(str(tmp_path / "missing.wydb"))
    good = tmp_path / "good.wydb"
    src = wyvern.FFI()
    src.cdef("struct kept { int a; double b; }; int kept_fn(struct kept *);")
    src.save(str(good))
    data = good.read_bytes()
    for i, damaged in enumerate([data[: len(data) // 2], data[:-1], data[:40] + bytes([data[40] ^ 0xFF]) + data[41:]]):
        path = tmp_path / ("damaged%d.wydb" % i)
        path.write_bytes(damaged)
        with pytest.raises(wyvern.FFIError):
            ffi.load(str(path))
    # refused whole: the FFI is as it was, and the good one still loads
    with pytest.raises(ValueError, match="unknown size"):
        ffi.sizeof("struct kept")  # not declared: opaque, as in cffi
    ffi.load(str(good))
    assert ffi.sizeof("struct kept") == 16


def test_check_against_dwarf(fixture_lib):
    good = fixture_lib.cdef(wyvern.FFI())
    clean = good.check(dwarf=fixture_lib.so)
    assert len(clean) == 1 and clean[0].startswith("no differences"), clean
    bad = wyvern.FFI()
    bad.cdef("struct point { long x; int y; }; struct vec3 { double x, y, z; };")
    report = bad.check(dwarf=fixture_lib.so)
    assert report, "a wrong struct point must be reported"
    assert not report[-1].startswith("no differences")
    assert any("point" in line for line in report)
    assert not any("vec3" in line for line in report)


def include_or_skip(ffi, header, lib, package):
    try:
        return ffi.include(header, lib=lib)
    except wyvern.CDefError as e:
        if "not found" in str(e):
            pytest.skip("%s is missing (install %s): %s" % (header, package, e))
        raise
    except OSError as e:
        pytest.skip("%s cannot be opened (install %s): %s" % (lib, package, e))


def test_include_zlib_round_trip(ffi):
    lib = include_or_skip(ffi, "<zlib.h>", "libz.so.1", "zlib1g-dev")
    assert ffi.string(lib.zlibVersion()).decode() == zlib.ZLIB_RUNTIME_VERSION
    src = b"wyvern calls zlib through its own header. " * 50
    bound = lib.compressBound(len(src))
    dest = ffi.new("Bytef[]", bound)
    dest_len = ffi.new("uLongf *", bound)
    assert lib.compress(dest, dest_len, src, len(src)) == lib.Z_OK
    packed = ffi.buffer(dest, dest_len[0])[:]
    assert len(packed) < len(src)
    assert zlib.decompress(packed) == src  # Python's zlib agrees
    out = ffi.new("Bytef[]", len(src))
    out_len = ffi.new("uLongf *", len(src))
    assert lib.uncompress(out, out_len, dest, dest_len[0]) == lib.Z_OK
    assert ffi.buffer(out, out_len[0])[:] == src
    assert lib.crc32(0, src, len(src)) == zlib.crc32(src)
    small = ffi.new("uLongf *", 10)
    assert lib.uncompress(out, small, dest, dest_len[0]) == lib.Z_BUF_ERROR


def test_include_zlib_stream(ffi):
    """z_stream by pointer, with its function-pointer fields left NULL."""
    lib = include_or_skip(ffi, "<zlib.h>", "libz.so.1", "zlib1g-dev")
    src = bytes(range(256)) * 40
    strm = ffi.new("z_stream *")
    version = lib.zlibVersion()
    assert lib.deflateInit_(strm, lib.Z_BEST_COMPRESSION, version, ffi.sizeof("z_stream")) == lib.Z_OK
    out = ffi.new("unsigned char[]", 20000)
    keep = ffi.from_buffer(src)
    strm.next_in = ffi.cast("Bytef *", keep)
    strm.avail_in = len(src)
    strm.next_out = out
    strm.avail_out = len(out)
    assert lib.deflate(strm, lib.Z_FINISH) == lib.Z_STREAM_END
    produced = strm.total_out
    assert lib.deflateEnd(strm) == lib.Z_OK
    assert zlib.decompress(ffi.buffer(out, produced)[:]) == src


def test_sqlite3_program(ffi):
    lib = include_or_skip(ffi, "<sqlite3.h>", "libsqlite3.so.0", "libsqlite3-dev")
    # the header's version macros agree with the library's
    assert ffi.string(lib.sqlite3_libversion()) == lib.SQLITE_VERSION
    assert lib.sqlite3_libversion_number() == lib.SQLITE_VERSION_NUMBER
    db = ffi.new("sqlite3 **")
    assert lib.sqlite3_open(b":memory:", db) == lib.SQLITE_OK
    conn = db[0]
    rows = []

    @ffi.callback("int(void *, int, char **, char **)")
    def on_row(_, n, values, names):
        rows.append({ffi.string(names[i]).decode(): (ffi.string(values[i]).decode() if values[i] else None) for i in range(n)})
        return 0

    err = ffi.new("char **")
    sql = b"create table t(a integer, b text); insert into t values (1, 'one'), (2, 'two'), (3, null); select * from t order by a"
    assert lib.sqlite3_exec(conn, sql, on_row, ffi.NULL, err) == lib.SQLITE_OK, ffi.string(err[0])
    assert rows == [{"a": "1", "b": "one"}, {"a": "2", "b": "two"}, {"a": "3", "b": None}]

    assert lib.sqlite3_exec(conn, b"select * from nowhere", ffi.NULL, ffi.NULL, err) == lib.SQLITE_ERROR
    assert b"no such table" in ffi.string(err[0])
    lib.sqlite3_free(err[0])

    stmt = ffi.new("sqlite3_stmt **")
    assert lib.sqlite3_prepare_v2(conn, b"select b, a * ? from t where a = ?", -1, stmt, ffi.NULL) == lib.SQLITE_OK
    assert lib.sqlite3_bind_int(stmt[0], 1, 10) == lib.SQLITE_OK
    assert lib.sqlite3_bind_int(stmt[0], 2, 2) == lib.SQLITE_OK
    assert lib.sqlite3_step(stmt[0]) == lib.SQLITE_ROW
    assert ffi.string(ffi.cast("char *", lib.sqlite3_column_text(stmt[0], 0))) == b"two"
    assert lib.sqlite3_column_int(stmt[0], 1) == 20
    assert lib.sqlite3_step(stmt[0]) == lib.SQLITE_DONE
    assert lib.sqlite3_finalize(stmt[0]) == lib.SQLITE_OK

    # text bound with SQLITE_TRANSIENT, a macro that is a cast of -1
    assert lib.sqlite3_prepare_v2(conn, b"insert into t values (?, ?)", -1, stmt, ffi.NULL) == lib.SQLITE_OK
    transient = lib.SQLITE_TRANSIENT
    assert transient == ffi.cast("sqlite3_destructor_type", -1)
    assert lib.sqlite3_bind_int64(stmt[0], 1, 2**40) == lib.SQLITE_OK
    assert lib.sqlite3_bind_text(stmt[0], 2, b"forty", -1, transient) == lib.SQLITE_OK
    assert lib.sqlite3_step(stmt[0]) == lib.SQLITE_DONE
    lib.sqlite3_finalize(stmt[0])
    rows.clear()
    lib.sqlite3_exec(conn, b"select b from t where a > 1000", on_row, ffi.NULL, ffi.NULL)
    assert rows == [{"b": "forty"}]
    assert lib.sqlite3_close(conn) == lib.SQLITE_OK


@pytest.mark.parametrize("source", ["dwarf", "load"])
def test_every_scalar_after_dwarf_or_load(fixture_lib, tmp_path, source):
    """A binary's DWARF (and so a database saved from it) has only the
    scalars the binary uses; an FFI still knows them all, as after a cdef."""
    ffi = wyvern.FFI()
    if source == "dwarf":
        ffi.dwarf(fixture_lib.so)
    else:
        src = wyvern.FFI()
        src.dwarf(fixture_lib.so)
        src.save(str(tmp_path / "d.wydb"))
        ffi.load(str(tmp_path / "d.wydb"))
    assert ffi.sizeof("_Bool") == 1
    assert ffi.new("signed char *", -1)[0] == -1
    assert ffi.new("unsigned __int128 *", 2**100)[0] == 2**100
    assert not ffi.NULL
    assert ffi.sizeof("struct vec3") == 24


def pahole_summary(so, record):
    """pahole's size, sum of holes and trailing padding of `struct record`."""
    import shutil
    import subprocess

    if shutil.which("pahole") is None:
        pytest.skip("pahole is not installed (apt-get install dwarves)")
    text = subprocess.run(["pahole", "-C", record, so], capture_output=True, text=True, check=True).stdout
    size = int(re.search(r"size: (\d+)", text).group(1))
    holes = re.search(r"sum holes: (\d+)", text)
    padding = re.search(r"/\* padding: (\d+) \*/", text)
    return size, int(holes.group(1)) if holes else 0, int(padding.group(1)) if padding else 0


@pytest.mark.parametrize("record", ["outer", "inner", "mixed", "point", "vec3", "big"])
def test_layout_holes_and_padding_match_pahole(fixture_lib, record):
    """The second oracle for layouts: pahole reading the fixture's DWARF."""
    ffi = fixture_lib.cdef(wyvern.FFI())
    size, holes, padding = pahole_summary(fixture_lib.so, record)
    d = ffi.layout("struct " + record, format="dict")
    assert d["size"] == size
    assert sum(h["bits"] for h in d["holes"]) == 8 * holes
    assert d["padding"] == padding


def test_layout_of_struct_stat_matches_gcc(ffi, c_program):
    ffi.cdef("#include <sys/stat.h>")
    fields = ["st_dev", "st_ino", "st_mode", "st_nlink", "st_uid", "st_gid", "st_rdev", "st_size", "st_blksize", "st_blocks", "st_atim", "st_mtim", "st_ctim"]
    prog = "#include <stdio.h>\n#include <stddef.h>\n#include <sys/stat.h>\nint main(void) {\n"
    prog += 'printf("%zu %zu\\n", sizeof(struct stat), _Alignof(struct stat));\n'
    for f in fields:
        prog += 'printf("%%zu %%zu\\n", offsetof(struct stat, %s), sizeof(((struct stat *)0)->%s));\n' % (f, f)
    prog += "return 0; }\n"
    rows = [tuple(map(int, line.split())) for line in c_program(prog).splitlines()]
    d = ffi.layout("struct stat", format="dict")
    assert (d["size"], d["align"]) == rows[0]
    by_name = {f["name"]: (f["offset"], f["size"]) for f in d["fields"]}
    for name, want in zip(fields, rows[1:]):
        assert by_name[name] == want, name
    text = ffi.layout("struct stat")
    assert text.startswith("struct stat {") and "st_size;" in text


def test_include_forms(fixture_lib):
    # several headers at once, the library by its linker name
    lib = wyvern.FFI().include(["<string.h>", "<stdlib.h>"], lib="c")
    assert lib.strlen(b"four") == 4 and lib.atoi(b"12") == 12
    # a quoted header found through include_dirs
    ffi = wyvern.FFI()
    fix = ffi.include("fixture.h", lib=fixture_lib.so, include_dirs=[fixture_lib.include_dir])
    assert fix.add(2, 2) == 4 and fix.FIXTURE_VERSION == 3
    # without lib=, the declarations and the process itself (libc is loaded)
    bare = wyvern.FFI()
    assert bare.include(["<stdlib.h>", "<math.h>"]).atoi(b"7") == 7
    assert bare.dlopen("m").sqrt(16.0) == 4.0
    with pytest.raises(wyvern.CDefError, match="not found"):
        wyvern.FFI().include("<no_such_header_h14b.h>")


def test_layout_dict_nests_anonymous_members(ffi, c_program):
    decl = "struct anon_h14 { int kind; union { int i; double d; }; struct { char a, b; } named; char tail; };"
    ffi.cdef(decl)
    out = c_program(
        "#include <stdio.h>\n#include <stddef.h>\n%s\nint main(void) {"
        ' printf("%%zu %%zu %%zu %%zu %%zu", sizeof(struct anon_h14), offsetof(struct anon_h14, i),'
        " offsetof(struct anon_h14, d), offsetof(struct anon_h14, named), offsetof(struct anon_h14, tail)); return 0; }" % decl
    )
    size, i, d, named, tail = map(int, out.split())
    layout = ffi.layout("struct anon_h14", format="dict")
    assert layout["size"] == size
    anon = [f for f in layout["fields"] if f["name"] is None]
    assert len(anon) == 1 and anon[0]["type"] == "union {...}"
    inner = {f["name"]: f["offset"] for f in anon[0]["fields"]}
    assert inner == {"i": i, "d": d}
    top = {f["name"]: f["offset"] for f in layout["fields"] if f["name"]}
    assert top == {"kind": 0, "named": named, "tail": tail}
    assert (ffi.offsetof("struct anon_h14", "d"), ffi.offsetof("struct anon_h14", "tail")) == (d, tail)


def test_a_saved_database_needs_no_libclang(tmp_path):
    """A .wydb made from <zlib.h> drives zlib in a process where libclang
    cannot be found (LIBCLANG_PATH at an empty directory)."""
    import os
    import subprocess
    import sys

    ffi = wyvern.FFI()
    include_or_skip(ffi, "<zlib.h>", "libz.so.1", "zlib1g-dev")
    db = tmp_path / "zlib.wydb"
    ffi.save(str(db))
    script = (
        "import sys, zlib, wyvern\n"
        "ffi = wyvern.FFI()\n"
        "ffi.load(sys.argv[1])\n"
        "lib = ffi.dlopen('libz.so.1')\n"
        "src = b'no libclang here ' * 20\n"
        "assert lib.crc32(0, src, len(src)) == zlib.crc32(src)\n"
        "assert lib.Z_OK == 0 and ffi.sizeof('z_stream') > 0\n"
        "try:\n"
        "    ffi.cdef('int x;')\n"
        "except wyvern.CDefError as e:\n"
        "    print('cdef:', e)\n"
        "print('ok')\n"
    )
    empty = tmp_path / "no-libclang"
    empty.mkdir()
    env = dict(os.environ, LIBCLANG_PATH=str(empty))
    run = subprocess.run([sys.executable, "-c", script, str(db)], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1] == "ok"
    assert run.stdout.startswith("cdef:")  # cdef itself does need libclang, and says so
