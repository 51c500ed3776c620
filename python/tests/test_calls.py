"""Calling C: libc and libm, and the fixture library (fixture.c, built by
conftest.py): scalars, records by value both ways, results through memory,
bitfields, variadic functions, strings, errno, globals and constants."""

import math
import struct

import pytest

import wyvern


def test_libc_and_libm(ffi):
    ffi.cdef("#include <string.h>\n#include <stdlib.h>\n#include <math.h>")
    libc = ffi.dlopen(None)
    libm = ffi.dlopen("libm.so.6")
    assert libc.strlen(b"four") == 4
    assert libc.atoi(b"-123") == -123
    assert libc.labs(-(2**40)) == 2**40
    assert libm.pow(2.0, 0.5) == math.sqrt(2)
    assert libm.floor(-1.5) == -2.0
    assert libm.ldexp(1.0, 10) == 1024.0
    assert libm.frexpf(8.0, ffi.new("int *")) == 0.5
    assert libm.hypot(3, 4) == 5.0  # ints for doubles
    e = ffi.new("int *")
    assert libm.frexp(48.0, e) == 0.75 and e[0] == 6
    assert libm.fabsf(-2.5) == 2.5


def test_fixture_scalars(fix):
    ffi, lib = fix
    assert lib.add(2, 3) == 5
    assert lib.add(-(2**31), 0) == -(2**31)
    assert lib.scale(1.5, 4) == 6.0
    assert lib.mul64(2**31, 2**31) == 2**62
    assert lib.low_byte(0x12345678) == 0x78
    assert lib.ull_max() == 2**64 - 1
    assert lib.halve(3.0) == 1.5
    assert isinstance(lib.halve(3.0), float)


def test_argument_checks(fix):
    ffi, lib = fix
    with pytest.raises(TypeError):
        lib.add(1)
    with pytest.raises(TypeError):
        lib.add(1, 2, 3)
    with pytest.raises(OverflowError):
        lib.add(2**31, 0)
    with pytest.raises(TypeError):
        lib.add(1.5, 2)
    with pytest.raises(TypeError):
        lib.add("1", 2)
    with pytest.raises(OverflowError):
        lib.low_byte(-1)


def test_struct_by_value_small(fix):
    ffi, lib = fix
    p = lib.make_point(3, -4)
    assert ffi.typeof(p) == ffi.typeof("struct point")
    assert (p.x, p.y) == (3, -4)
    assert lib.point_sum(p) == -1
    assert lib.point_sum([10, 20]) == 30
    assert lib.point_sum({"x": 1, "y": 1}) == 2
    assert lib.point_sum(ffi.new("struct point *", [5, 6])[0]) == 11
    with pytest.raises(TypeError):
        lib.point_sum(ffi.new("struct point *", [5, 6]))  # a pointer is not the struct


def test_struct_by_value_in_memory(fix):
    ffi, lib = fix
    v = ffi.new("struct vec3 *", [1.0, 2.0, 3.0])[0]
    r = lib.vec3_scale(v, 2.0)
    assert (r.x, r.y, r.z) == (2.0, 4.0, 6.0)
    assert lib.vec3_dot(v, r) == 28.0
    assert lib.vec3_dot([1, 0, 0], (0.5, 9, 9)) == 0.5
    # the argument is a copy: the callee's changes never reach v
    assert (v.x, v.y, v.z) == (1.0, 2.0, 3.0)


def test_struct_mixed_classes(fix):
    ffi, lib = fix
    m = lib.mixed_make(7, 0.25)
    assert (m.i, m.d) == (7, 0.25)
    assert lib.mixed_total(m) == 7.25
    assert lib.mixed_total({"i": -1, "d": 1.5}) == 0.5


def test_struct_returned_through_memory(fix):
    ffi, lib = fix
    b = lib.big_make(100)
    assert ffi.sizeof(b) == 40
    assert list(b.a) == [100, 101, 102, 103, 104]
    assert lib.big_sum(b) == sum((100 + i) * (i + 1) for i in range(5))
    b2 = lib.big_make(-1)
    assert list(b.a) == [100, 101, 102, 103, 104]  # each result its own memory
    assert list(b2.a) == [-1, 0, 1, 2, 3]


def test_bitfield_record_by_value(fix):
    ffi, lib = fix
    f = lib.flags_make(5, 17, -3, 99999)
    assert (f.a, f.b, f.c, f.d) == (5, 17, -3, 99999)
    assert lib.flags_pack(f) == 5 + 170 - 3000 + 9999900000
    g = ffi.new("struct flags *", {"a": 1, "b": 2, "c": 7, "d": 2**20 - 1})[0]
    assert lib.flags_pack(g) == 1 + 20 + 7000 + 100000 * (2**20 - 1)


def test_union_by_value(fix):
    ffi, lib = fix
    n = lib.num_from_double(1.0)
    assert n.d == 1.0
    (low,) = struct.unpack("<i", struct.pack("<d", 1.0)[:4])
    assert n.i == low
    assert lib.num_low_int(n) == low
    assert lib.num_low_int([42]) == 42


def test_pointer_to_nested_struct(fix):
    ffi, lib = fix
    o = ffi.new("struct outer *", {"c": b"\x01", "in": {"s": 2, "tag": [b"\x00", b"\x00", b"\x03"]}, "w": 0.5, "pts": [[0, 0], [0, 4]]})
    assert lib.outer_weight(o) == 1 + 2 + 3 + 0.5 + 4
    assert lib.outer_weight(ffi.addressof(o[0])) == 10.5


def test_char_pointers_in_and_out(fix):
    ffi, lib = fix
    assert lib.count_char(b"banana", b"a") == 3
    buf = ffi.new("char[8]")
    lib.fill(buf, 8, b"z")
    assert ffi.string(buf) == b"zzzzzzz"
    assert lib.count_char(buf, b"z") == 7
    name = lib.color_name(lib.GREEN)
    assert ffi.typeof(name) == ffi.typeof("const char *")
    assert ffi.string(name) == b"green"
    assert ffi.string(lib.color_name(ffi.cast("enum color", 6))) == b"blue"
    with pytest.raises(TypeError):
        lib.count_char("text", b"t")  # str is not char *


def test_arrays_for_pointers(fix):
    ffi, lib = fix
    assert lib.sum_array([1, 2, 3, 4], 4) == 10
    xs = ffi.new("int[]", [1, 2, 3, 4, 5])
    lib.reverse(xs, 5)
    assert list(xs) == [5, 4, 3, 2, 1]
    assert lib.sum_array(xs + 3, 2) == 3
    assert lib.sum_array(ffi.NULL, 0) == 0
    with pytest.raises(TypeError):
        lib.sum_array(ffi.new("double[2]"), 2)


def test_variadic(fix):
    ffi, lib = fix
    assert lib.sum_ints(3, 1, 2, 3) == 6
    assert lib.sum_ints(0) == 0
    assert lib.sum_ints(2, ffi.cast("short", -1), ffi.cast("int", 5)) == 4


def test_printf_family(ffi, capfd):
    ffi.cdef("#include <stdio.h>")
    libc = ffi.dlopen(None)
    buf = ffi.new("char[128]")
    n = libc.snprintf(buf, 128, b"%d|%s|%.3f|%c|%lld|%x", 42, b"str", 2.5, ffi.cast("int", 65), ffi.cast("long long", -(2**40)), 255)
    want = b"42|str|2.500|A|%d|ff" % -(2**40)
    assert ffi.string(buf) == want
    assert n == len(want)
    assert libc.snprintf(buf, 4, b"%s", b"truncated") == 9
    assert ffi.string(buf) == b"tru"
    assert libc.snprintf(buf, 128, b"%f %p", ffi.cast("float", 0.5), ffi.NULL) > 0
    assert ffi.string(buf) == b"0.500000 (nil)"
    libc.printf(b"printed %d\n", 7)
    libc.fflush(ffi.NULL)
    assert capfd.readouterr().out == "printed 7\n"


def test_errno(fix):
    import os
    import threading

    ffi, lib = fix
    ffi.errno = 0
    lib.set_errno_to(34)
    assert ffi.errno == 34
    # saved right after the call: Python's own C calls in between leave it
    try:
        os.stat("/no/such/file/h14")
    except OSError:
        pass
    assert ffi.errno == 34
    # per thread
    seen = {}

    def other():
        lib.set_errno_to(9)
        seen["other"] = ffi.errno

    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert seen == {"other": 9} and ffi.errno == 34
    # set before a call, C sees it (and leaves it)
    ffi.errno = 11
    assert lib.get_errno() == 11
    assert ffi.errno == 11
    lib.set_errno_to(0)
    assert ffi.errno == 0


def test_globals_read_and_write(fix):
    ffi, lib = fix
    assert lib.counter == 7
    lib.counter = 41
    assert lib.bump() == 42
    assert lib.counter == 42
    assert lib.ratio == 0.25
    lib.ratio = 0.5
    assert lib.ratio == 0.5
    assert ffi.string(lib.greeting) == b"hello"
    assert (lib.origin.x, lib.origin.y) == (3, 4)
    lib.origin.y = 40  # writes through to the library's struct
    assert lib.origin.y == 40
    lib.origin = {"x": 1, "y": 2}
    assert (lib.origin.x, lib.origin.y) == (1, 2)
    assert list(lib.table) == [10, 20, 30, 40]
    lib.table[1] = 21
    assert lib.table[1] == 21
    with pytest.raises(OverflowError):
        lib.counter = 2**40
    with pytest.raises(AttributeError):
        lib.not_a_global = 1
    p = ffi.addressof(lib, "counter")
    assert ffi.typeof(p) == ffi.typeof("int *")
    p[0] = 7
    assert lib.counter == 7
    assert ffi.addressof(lib, "add")(1, 1) == 2


def test_constants(fix):
    ffi, lib = fix
    assert lib.FIXTURE_VERSION == 3
    assert lib.FIXTURE_NAME == b"fixture"
    assert lib.FIXTURE_SCALE == 2.5
    assert lib.FIXTURE_MASK == 4096
    assert (lib.RED, lib.GREEN, lib.BLUE) == (0, 5, 6)
    with pytest.raises(AttributeError):
        lib.FIXTURE_VERSION = 4


def test_function_pointer_from_lib(fix):
    ffi, lib = fix
    add = lib.add
    assert ffi.typeof(add) == ffi.typeof("int(*)(int, int)")
    assert lib.apply(add, 20, 22) == 42
    fp = ffi.cast("binop", add)
    assert fp(1, 2) == 3
    assert repr(add).startswith("<cdata 'int(*)(int, int)'")


def test_cdef_of_fixture_matches_cffi_calls(fixture_lib, cffi_ffi):
    """The same plain declarations through cffi and wyvern give the same results."""
    decls = "int add(int, int); double scale(double, int); struct point { int x; int y; }; struct point make_point(int, int); int point_sum(struct point);"
    cffi_ffi.cdef(decls)
    w = wyvern.FFI()
    w.cdef(decls)
    a, b = cffi_ffi.dlopen(fixture_lib.so), w.dlopen(fixture_lib.so)
    for args in [(1, 2), (-5, 5), (2**30, 2**30 - 1)]:
        assert a.add(*args) == b.add(*args)
    assert a.scale(0.1, 3) == b.scale(0.1, 3)
    pa, pb = a.make_point(9, -9), b.make_point(9, -9)
    assert (pa.x, pa.y) == (pb.x, pb.y)
    assert a.point_sum([3, 4]) == b.point_sum([3, 4])


def test_many_arguments(fix):
    ffi, lib = fix
    args = (1, 2, 3.5, 4.5, b"\x05", 6, 7, 8, 9.5, 10)
    want = 1 + 20 + 350 + 4500 + 50000 + 600000 + 7000000 + 80000000 + 950000000 + 10000000000
    assert lib.many_args(*args) == want


def test_long_double(fix):
    ffi, lib = fix
    r = lib.ld_twice(1.25)
    assert ffi.typeof(r) == ffi.typeof("long double")
    assert float(r) == 2.5
    assert float(lib.ld_twice(ffi.cast("long double", 2**70))) == 2.0**71


def test_bytes_for_unsigned_char_pointer(fix):
    ffi, lib = fix
    assert lib.sum_bytes(b"\x01\x02\xff", 3) == 258
    assert lib.sum_bytes(ffi.new("unsigned char[]", [1, 2]), 2) == 3


def test_const_globals_read_but_never_written(fix):
    ffi, lib = fix
    assert lib.limit == 10
    assert lib.golden == 1.618
    assert ffi.string(lib.label) == b"label"
    # in read-only memory: a write would crash the process, so it is refused
    with pytest.raises(TypeError, match="const"):
        lib.limit = 5
    with pytest.raises(TypeError, match="const"):
        lib.golden = 2.0  # const through a typedef
    with pytest.raises(TypeError, match="const"):
        lib.label = b"x"  # an array of const elements
    assert lib.limit == 10


def test_function_pointer_global(fix):
    ffi, lib = fix
    assert lib.current_op == ffi.NULL
    assert lib.call_current(5, 3) == -1
    lib.current_op = lib.add
    assert lib.call_current(5, 3) == 8
    cb = ffi.callback("binop", lambda a, b: a * b)
    lib.current_op = cb
    assert lib.call_current(5, 3) == 15
    assert lib.current_op(2, 3) == 6  # read back, callable
    lib.current_op = ffi.NULL
    assert lib.call_current(5, 3) == -1


def test_stdio_globals_and_fprintf(ffi, capfd):
    ffi.cdef("#include <stdio.h>")
    libc = ffi.dlopen(None)
    assert ffi.typeof(libc.stderr) == ffi.typeof("FILE *")
    assert libc.fprintf(libc.stderr, b"to stderr %s\n", b"ok") == len("to stderr ok\n")
    libc.fflush(libc.stderr)
    assert capfd.readouterr().err == "to stderr ok\n"


def test_stat_a_file(ffi, tmp_path):
    import os

    ffi.cdef("#include <sys/stat.h>")
    libc = ffi.dlopen(None)
    path = tmp_path / "sized"
    path.write_bytes(b"x" * 1234)
    st = ffi.new("struct stat *")
    assert libc.stat(str(path).encode(), st) == 0
    want = os.stat(path)
    assert st.st_size == 1234
    assert st.st_mode == want.st_mode
    assert st.st_ino == want.st_ino
    assert st.st_mtim.tv_sec == int(want.st_mtime)
    assert libc.stat(b"/no/such/file/h14", st) == -1
    assert ffi.errno == 2


def test_time_h_round_trip(ffi):
    import time

    ffi.cdef("#include <time.h>")
    libc = ffi.dlopen(None)
    t = ffi.new("time_t *", 1700000000)
    tm = ffi.new("struct tm *")
    assert libc.gmtime_r(t, tm) == tm  # returns its second argument
    want = time.gmtime(1700000000)
    assert (tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min) == want[:5]
    buf = ffi.new("char[64]")
    n = libc.strftime(buf, 64, b"%Y-%m-%d %H:%M:%S", tm)
    assert ffi.string(buf) == time.strftime("%Y-%m-%d %H:%M:%S", want).encode()
    assert n == 19
    assert libc.timegm(tm) == 1700000000


def test_argv_style_char_pointer_array(fix):
    ffi, lib = fix
    keep = [ffi.new("char[]", s) for s in (b"ls", b"-l", b"/tmp")]
    argv = ffi.new("char *[]", keep + [ffi.NULL])
    out = ffi.new("char[64]")
    assert lib.count_args(argv, out, 64) == 3
    assert ffi.string(out) == b"ls,-l,/tmp"
    # a list for a pointer parameter is a temporary array, as in cffi
    assert lib.count_args(keep[:2] + [ffi.NULL], out, 64) == 2
    assert ffi.string(out) == b"ls,-l"
    with pytest.raises(TypeError):
        ffi.new("char *[]", [b"bytes are not char *"])


def test_function_pointer_in_a_struct(fix):
    ffi, lib = fix
    ops = ffi.new("struct ops *", {"f": lib.add, "base": 100})
    assert lib.ops_run(ops, 5) == 105
    assert ops.f(1, 2) == 3  # read back from the struct and called
    cb = ffi.callback("binop", lambda a, b: a * b)
    ops.f = cb
    assert lib.ops_run(ops, 5) == 500
    assert ops.f(6, 7) == 42


def test_the_gil_is_released_during_a_call(fix):
    """C says it is running, then waits for an answer only a Python thread
    gives: the answer comes only if the call let go of the GIL (the C side
    gives up after 10 s, so a broken build fails rather than hangs)."""
    import os
    import threading

    ffi, lib = fix
    to_py_r, to_py_w = os.pipe()
    to_c_r, to_c_w = os.pipe()

    def answer():
        os.read(to_py_r, 1)  # C is running now
        os.write(to_c_w, b"a")

    t = threading.Thread(target=answer)
    t.start()
    try:
        assert lib.handshake(to_py_w, to_c_r, 10000) == 1
    finally:
        os.write(to_py_w, b"x")  # frees the thread if C never wrote
        t.join()
        for fd in (to_py_r, to_py_w, to_c_r, to_c_w):
            os.close(fd)


def test_calls_through_vectorcall_and_tp_call_agree(fix):
    """A function pointer cdata is called through CPython's vectorcall
    protocol (python/src/vectorcall.rs); `__call__` and keyword arguments
    take tp_call. Both give the same results and the same errors."""
    import os
    import sys

    from wyvern import _wyvern

    ffi, lib = fix
    known = sys.maxsize > 2**32 and (3, 8) <= sys.version_info[:2] <= (3, 14)
    if known and "WYVERN_PY_NO_VECTORCALL" not in os.environ:
        assert _wyvern._vectorcall, "the vectorcall slot was not installed"
    add, scale = lib.add, lib.scale
    for a, b in [(2, 3), (-(2**31), 0), (2**31 - 1, 0), (0, -7)]:
        assert add(a, b) == add.__call__(a, b) == a + b
    assert scale(1.5, 4) == scale.__call__(1.5, 4) == 6.0
    # The general path from the fast one: a cdata int, an int for a double.
    assert add(ffi.cast("int", 40), 2) == 42
    assert scale(2, 4) == 8.0
    errors = []
    for call in (add, add.__call__):
        for args, exc in [((1,), TypeError), ((1, 2, 3), TypeError),
                          ((2**31, 0), OverflowError), ((2**80, 0), OverflowError),
                          ((1.5, 0), TypeError), ((None, 0), TypeError)]:
            with pytest.raises(exc) as info:
                call(*args)
            errors.append(str(info.value))
    half = len(errors) // 2
    assert errors[:half] == errors[half:]
    with pytest.raises(TypeError, match="keyword"):
        add(1, b=2)
    # Not a function: not callable, by either path.
    with pytest.raises(TypeError, match="not callable"):
        ffi.new("int *")(1)
    null_fn = ffi.cast("int(*)(int, int)", 0)
    with pytest.raises(RuntimeError, match="NULL"):
        null_fn(1, 2)


def test_records_returned_by_value_equal_c(fix, fixture_lib, c_program):
    """Records a call returns, through memory (vec3: 24 bytes, box: 32 with a
    record inside) and in registers (point, mixed), by the direct path (a
    cdata of the parameter's record type read in place) and the general one
    (a list converted): the values C computes, each result owning its bytes."""
    ffi, lib = fix
    out = c_program(r'''
#include <stdio.h>
#include "fixture.c"
int main(void) {
    struct vec3 v = { 1.5, -2.25, 3.0 };
    struct vec3 r = vec3_scale(v, 2.5);
    struct box b = box_around(v, 0.125);
    struct point p = make_point(7, -9);
    struct mixed m = mixed_make(-3, 0.1);
    printf("%.17g %.17g %.17g\n", r.x, r.y, r.z);
    printf("%.17g %.17g %.17g %.17g\n", b.lo.x, b.lo.y, b.lo.z, b.r);
    printf("%d %d\n%d %.17g\n", p.x, p.y, m.i, m.d);
    return 0;
}''', include_dirs=[fixture_lib.include_dir], libs=["pthread"])
    want = [[float(x) for x in line.split()] for line in out.splitlines()]
    v = ffi.new("struct vec3 *", [1.5, -2.25, 3.0])[0]
    for arg in (v, [1.5, -2.25, 3.0]):
        r = lib.vec3_scale(arg, 2.5)
        assert [r.x, r.y, r.z] == want[0]
        assert repr(r) == "<cdata 'struct vec3' owning 24 bytes>"
        b = lib.box_around(arg, 0.125)
        assert [b.lo.x, b.lo.y, b.lo.z, b.r] == want[1]
        assert repr(b) == "<cdata 'struct box' owning 32 bytes>"
    p, m = lib.make_point(7, -9), lib.mixed_make(-3, 0.1)
    assert [p.x, p.y] == want[2] and [m.i, m.d] == want[3]
    assert repr(p) == "<cdata 'struct point' owning 8 bytes>"
    # The bytes are the record's, in C's layout.
    assert bytes(ffi.buffer(r)) == struct.pack("<3d", *want[0])
    # Each result is its own memory, also while one is kept and others die.
    r1 = lib.vec3_scale(v, 1.0)
    for k in range(50):
        assert lib.vec3_scale(v, k).z == 3.0 * k
    assert (r1.x, r1.y, r1.z) == (1.5, -2.25, 3.0)
    # A result passed to the function that made it (read in place while the
    # new result is written).
    r2 = lib.vec3_scale(lib.vec3_scale(v, 2.0), 3.0)
    assert (r2.x, r2.y, r2.z) == (9.0, -13.5, 18.0)
    # Results of different types in turn.
    for i in range(20):
        assert lib.make_point(i, -i).y == -i
        assert lib.vec3_scale(v, i).x == 1.5 * i
        assert lib.box_around(v, i).r == i
        assert lib.mixed_make(i, 0.5).i == i


def test_returned_record_fields_and_addresses(fix):
    """A returned record's fields are written like any record's; its address,
    a field's address and a record inside it stay valid while they are used,
    after the result itself has no name and other results come and go."""
    import gc
    import os
    import sys
    import weakref

    from wyvern import _wyvern

    ffi, lib = fix
    known = sys.maxsize > 2**32 and (3, 8) <= sys.version_info[:2] <= (3, 14)
    if known and "WYVERN_PY_NO_FREELIST" not in os.environ:
        assert _wyvern._freelist, "the free list of returned records was not installed"
    v = ffi.new("struct vec3 *", [1.0, 2.0, 3.0])[0]
    r = lib.vec3_scale(v, 2.0)
    r.y = -8.5
    assert (r.x, r.y, r.z) == (2.0, -8.5, 6.0)
    assert lib.vec3_dot(r, v) == 2.0 - 17.0 + 18.0
    whole = ffi.addressof(lib.vec3_scale(v, 3.0))
    field = ffi.addressof(lib.vec3_scale(v, 4.0), "y")
    inner = lib.box_around(v, 0.5).lo
    assert ffi.typeof(whole) == ffi.typeof("struct vec3 *")
    assert ffi.typeof(field) == ffi.typeof("double *")
    assert repr(inner).startswith("<cdata 'struct vec3 &' 0x")
    for k in range(100):  # other results made and dropped meanwhile
        lib.vec3_scale(v, k)
        lib.box_around(v, k)
    gc.collect()
    assert (whole.x, whole[0].y, whole.z) == (3.0, 6.0, 9.0)
    assert field[0] == 8.0
    assert (inner.x, inner.y, inner.z) == (0.5, 1.5, 2.5)
    whole.x = 11.0
    assert whole[0].x == 11.0
    assert lib.vec3_dot(whole[0], v) == 11.0 + 12.0 + 27.0
    # A result with no other reference dies at once, as any object.
    dead = []
    ref = weakref.ref(lib.vec3_scale(v, 1.0), dead.append)
    assert ref() is None and len(dead) == 1
    kept = lib.vec3_scale(v, 1.0)
    ref = weakref.ref(kept)
    assert ref() is kept
    del kept
    assert ref() is None
    assert lib.vec3_scale(v, 5.0).z == 15.0
    # ffi.gc of a result: the destructor gets the record, still readable.
    seen = []
    g = ffi.gc(lib.vec3_scale(v, 7.0), lambda p: seen.append(p.z))
    assert g.x == 7.0
    del g
    gc.collect()
    assert seen == [21.0]


def test_record_argument_errors_unchanged(fix):
    """The direct path gives way to the general one for what it does not
    take, with the general path's errors."""
    ffi, lib = fix
    v = ffi.new("struct vec3 *", [1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match=r"argument 1 of vec3_scale\(\)"):
        lib.vec3_scale(v, 1.0)  # a pointer is not the struct
    with pytest.raises(TypeError, match=r"argument 1 of vec3_scale\(\)"):
        lib.vec3_scale(ffi.new("struct point *")[0], 1.0)
    with pytest.raises(TypeError, match=r"argument 2 of vec3_scale\(\)"):
        lib.vec3_scale(v[0], "2")
    with pytest.raises(TypeError, match="expects 2 arguments, got 1"):
        lib.vec3_scale(v[0])
    assert lib.vec3_scale(v[0], 2).y == 4.0  # an int for a double: converted
    assert lib.vec3_scale({"x": 1, "y": 1, "z": 1}, 0.5).z == 0.5


def test_views_of_a_returned_records_buffer_keep_it_alive(fix):
    """A view of `ffi.buffer(result)` (its `.view`, or `memoryview(buf)` on
    Python >= 3.12) is of the result's own bytes: it keeps the result alive
    after the buffer goes, so later results (which may reuse a dead one's
    object) do not show through it."""
    import sys

    ffi, lib = fix
    v = ffi.new("struct vec3 *", [1.0, 2.0, 3.0])[0]
    views = [ffi.buffer(lib.vec3_scale(v, 2.0)).view]
    if sys.version_info >= (3, 12):
        views.append(memoryview(ffi.buffer(lib.vec3_scale(v, 2.0))))
    for k in range(20):
        assert lib.vec3_scale(v, 100.0 + k).x == 100.0 + k
    for view in views:
        assert bytes(view) == struct.pack("<3d", 2.0, 4.0, 6.0)
