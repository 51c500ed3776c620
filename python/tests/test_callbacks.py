"""Python functions as C function pointers: qsort, the decorator form,
error= and onerror=, exceptions that never reach C, and a callback C calls
from a thread of its own."""

import gc

import pytest


@pytest.fixture
def libc(ffi):
    ffi.cdef("#include <stdlib.h>")
    return ffi.dlopen(None)


def test_qsort_with_python_comparator(ffi, libc):
    seen = []

    def compare(a, b):
        x, y = ffi.cast("int *", a)[0], ffi.cast("int *", b)[0]
        seen.append((x, y))
        return (x > y) - (x < y)

    cb = ffi.callback("int(*)(const void *, const void *)", compare)
    data = [5, -1, 9, 3, 3, 0, 12, -7]
    arr = ffi.new("int[]", data)
    libc.qsort(arr, len(arr), ffi.sizeof("int"), cb)
    assert list(arr) == sorted(data)
    assert seen  # C really called it
    assert all(x in data and y in data for x, y in seen)


def test_qsort_structs_descending(ffi, libc):
    ffi.cdef("struct item { int key; double w; };")

    @ffi.callback("int(const void *, const void *)")
    def by_key_desc(a, b):
        return ffi.cast("struct item *", b).key - ffi.cast("struct item *", a).key

    items = ffi.new("struct item[]", [(k, k / 2) for k in [3, 1, 4, 1, 5, 9, 2, 6]])
    libc.qsort(items, len(items), ffi.sizeof("struct item"), by_key_desc)
    assert [it.key for it in items] == [9, 6, 5, 4, 3, 2, 1, 1]
    assert [it.w for it in items] == [k / 2 for k in [9, 6, 5, 4, 3, 2, 1, 1]]


def test_callback_is_callable_from_python(ffi):
    def times(x, n):
        return x * n

    cb = ffi.callback("double(*)(double, int)", times)
    assert cb(1.5, 3) == 4.5
    assert ffi.typeof(cb) == ffi.typeof("double(*)(double, int)")
    assert repr(cb) == "<cdata 'double(*)(double, int)' calling %r>" % (times,)  # cffi's repr


def test_decorator_form_with_fixture(fix):
    ffi, lib = fix

    @ffi.callback("binop")
    def mul(a, b):
        return a * b

    assert lib.apply(mul, 6, 7) == 42
    assert lib.apply(ffi.callback("int(int, int)", lambda a, b: a - b), 10, 3) == 7


def test_callback_arguments_convert(fix):
    ffi, lib = fix
    got = []

    @ffi.callback("int(*)(int, int)")
    def record(a, b):
        got.append((type(a), a, b))
        return 0

    lib.apply(record, -(2**31), 2**31 - 1)
    assert got == [(int, -(2**31), 2**31 - 1)]


SCALARS = [
    ("signed char", -(2**7), 2**7 - 1),
    ("unsigned char", 0, 2**8 - 1),
    ("short", -(2**15), 2**15 - 1),
    ("unsigned short", 0, 2**16 - 1),
    ("int", -(2**31), 2**31 - 1),
    ("unsigned int", 0, 2**32 - 1),
    ("long long", -(2**63), 2**63 - 1),
    ("unsigned long long", 0, 2**64 - 1),
]


@pytest.mark.parametrize("name, lo, hi", SCALARS)
def test_scalar_callbacks_round_trip_their_range(ffi, capsys, name, lo, hi):
    """Every integer type both ways through a callback (the scalar path:
    python/src/callback.rs' Scalar), the ends of its range included; a result
    one past either end is an OverflowError and the error value, as before."""
    seen = []

    def same(x, y):
        seen.append((type(x), x, type(y), y))
        return x

    cb = ffi.callback("%s(%s, double)" % (name, name), same, error=7)
    for v in (lo, hi, 0, 1, hi // 3):
        assert cb(v, 0.5) == v
    assert seen[0] == (int, lo, float, 0.5)
    # A result that does not fit, one past each end.
    for bad in (lo - 1, hi + 1):
        assert ffi.callback("%s(%s)" % (name, name), lambda x: bad, error=7)(1) == 7
        assert "OverflowError" in capsys.readouterr().err
    # Not an exact int: an int subclass and an object with __index__ convert
    # the general way, as cffi does.
    class Sub(int):
        pass

    assert ffi.callback("%s(%s)" % (name, name), lambda x: Sub(x))(1) == 1
    assert ffi.callback("%s(void)" % name, lambda: True)() == 1


def test_scalar_callback_double_and_void(ffi, capsys):
    got = []
    cb = ffi.callback("double(double, unsigned char)", lambda x, c: x * c)
    assert cb(1.25, 4) == 5.0
    # An int result for a double converts the general way.
    assert ffi.callback("double(int)", lambda x: x * 2)(21) == 42.0
    assert ffi.callback("double(int)", lambda x: "no", error=-1.5)(1) == -1.5
    assert "TypeError" in capsys.readouterr().err
    void = ffi.callback("void(long long, double)", lambda x, d: got.append((x, d)))
    assert void(-5, 2.5) is None
    assert got == [(-5, 2.5)]


def test_exception_gives_error_value(fix, capsys):
    ffi, lib = fix

    @ffi.callback("binop", error=-99)
    def boom(a, b):
        raise ValueError("deliberate failure in a callback")

    assert lib.apply(boom, 1, 2) == -99
    err = capsys.readouterr().err
    assert "ValueError" in err and "deliberate failure in a callback" in err


def test_exception_without_error_gives_zero(fix, capsys):
    ffi, lib = fix
    cb = ffi.callback("binop", lambda a, b: 1 / 0)
    assert lib.apply(cb, 1, 2) == 0
    assert "ZeroDivisionError" in capsys.readouterr().err


def test_bad_return_value_is_an_error_not_a_crash(fix, capsys):
    ffi, lib = fix
    too_big = ffi.callback("binop", lambda a, b: 2**40, error=-1)
    assert lib.apply(too_big, 1, 2) == -1
    assert "OverflowError" in capsys.readouterr().err
    wrong = ffi.callback("binop", lambda a, b: "text", error=-2)
    assert lib.apply(wrong, 1, 2) == -2
    assert "TypeError" in capsys.readouterr().err


def test_onerror(fix, capsys):
    ffi, lib = fix
    calls = []

    def handler(exc_type, exc_value, tb):
        calls.append((exc_type, str(exc_value), tb is not None))
        return 123

    @ffi.callback("binop", error=-1, onerror=handler)
    def fails(a, b):
        raise KeyError("k")

    assert lib.apply(fails, 1, 2) == 123
    assert calls == [(KeyError, "'k'", True)]
    assert capsys.readouterr().err == ""


def test_onerror_returning_none_keeps_error(fix, capsys):
    ffi, lib = fix
    cb = ffi.callback("binop", lambda a, b: [][0], error=-5, onerror=lambda *exc: None)
    assert lib.apply(cb, 1, 2) == -5
    assert capsys.readouterr().err == ""


def test_onerror_that_raises_is_reported(fix, capsys):
    ffi, lib = fix

    def bad_handler(*exc):
        raise RuntimeError("handler broke")

    cb = ffi.callback("binop", lambda a, b: [][0], error=-6, onerror=bad_handler)
    assert lib.apply(cb, 1, 2) == -6
    assert "handler broke" in capsys.readouterr().err


def test_error_value_must_fit(ffi):
    with pytest.raises(OverflowError):
        ffi.callback("int(*)(int)", lambda x: x, error=2**40)
    with pytest.raises(TypeError):
        ffi.callback("int(*)(int)", 42)


def test_callback_from_a_c_thread(fix):
    ffi, lib = fix
    import threading

    threads = []

    @ffi.callback("binop")
    def in_thread(a, b):
        threads.append(threading.get_ident())
        return a * 100 + b

    assert lib.apply_in_thread(in_thread, 4, 2) == 402
    assert len(threads) == 1
    assert threads[0] != threading.get_ident()  # really another thread
    # and it can raise there too without taking the process down
    failing = ffi.callback("binop", lambda a, b: 1 / 0, error=-3)
    assert lib.apply_in_thread(failing, 0, 0) == -3


def test_callback_from_c_threads_started_by_python_threads(fix):
    ffi, lib = fix
    import threading

    cb = ffi.callback("binop", lambda a, b: a + b)
    results = []

    def worker(i):
        results.append(lib.apply_in_thread(cb, i, i))

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert sorted(results) == [2 * i for i in range(8)]


def test_callback_struct_arguments(fix):
    ffi, lib = fix
    ffi.cdef("typedef double (*vec_fn)(struct vec3, struct point);")
    got = []

    @ffi.callback("vec_fn")
    def take(v, p):
        got.append((v.x, v.y, v.z, p.x, p.y))
        return v.x + p.y

    v = ffi.new("struct vec3 *", [1.0, 2.0, 3.0])[0]
    assert take(v, [7, 8]) == 9.0
    assert got == [(1.0, 2.0, 3.0, 7, 8)]


def test_callback_survives_gc_while_referenced(fix):
    ffi, lib = fix
    cb = ffi.callback("binop", lambda a, b: a ^ b)
    gc.collect()
    assert lib.apply(cb, 6, 3) == 5


def test_handles_through_callbacks(fix):
    """The classic cffi pattern: a Python object through C as void *."""
    ffi, lib = fix
    ffi.cdef("#include <stdlib.h>")
    libc = ffi.dlopen(None)

    class Order:
        def __init__(self):
            self.calls = 0

    order = Order()
    handle = ffi.new_handle(order)
    keys = ffi.new("void *[]", [handle, handle])

    @ffi.callback("int(const void *, const void *)")
    def cmp(a, b):
        obj = ffi.from_handle(ffi.cast("void **", a)[0])
        obj.calls += 1
        return 0

    libc.qsort(keys, 2, ffi.sizeof("void *"), cmp)
    assert order.calls >= 1


def test_c_calls_back_with_records_and_floats(fix):
    ffi, lib = fix

    @ffi.callback("struct big(*)(long)")
    def make_big(x):
        return {"a": [x, x + 1, x + 2, x + 3, x + 4]}

    assert list(lib.call_big(make_big, 10).a) == [10, 11, 12, 13, 14]

    @ffi.callback("double(*)(struct vec3, double)")
    def dot_k(v, k):
        return (v.x + v.y + v.z) * k

    assert lib.call_vec(dot_k, 2.0) == 12.0

    @ffi.callback("struct point(*)(struct point)")
    def swap(p):
        return (p.y, p.x)

    r = lib.call_point(swap, 3, -4)
    assert (r.x, r.y) == (-4, 3)

    @ffi.callback("struct mixed(*)(struct mixed)")
    def bump(m):
        return {"i": m.i + 1, "d": m.d * 2}

    m = lib.call_mixed(bump, 41, 0.25)
    assert (m.i, m.d) == (42, 0.5)

    @ffi.callback("float(*)(float, double)")
    def fsum(a, b):
        return a + b

    assert lib.call_float(fsum, 1.5) == 1.75


def test_c_calls_back_with_many_arguments(fix):
    ffi, lib = fix
    got = []

    @ffi.callback("long(*)(int, long, double, float, char, short, unsigned, long long, double, int)")
    def many(*args):
        got.append(args)
        return 99

    assert lib.call_many(many) == 99
    assert got == [(1, 2, 3.5, 4.5, b"\x05", 6, 7, 8, 9.5, 10)]


def test_callback_exception_with_record_result(fix, capsys):
    ffi, lib = fix
    cb = ffi.callback("struct point(*)(struct point)", lambda p: 1 / 0, error={"x": 7, "y": 8})
    r = lib.call_point(cb, 0, 0)
    assert (r.x, r.y) == (7, 8)
    assert "ZeroDivisionError" in capsys.readouterr().err


def test_callback_from_many_c_threads_at_once(fix):
    ffi, lib = fix
    import threading

    seen = set()
    lock = threading.Lock()

    @ffi.callback("binop")
    def f(index, i):
        with lock:
            seen.add(threading.get_ident())
        return index * 1000 + i

    threads, calls = 8, 200
    want = sum(index * 1000 + i for index in range(threads) for i in range(calls))
    assert lib.apply_in_threads(f, threads, calls) == want
    assert len(seen) == threads


# How a callback takes the GIL (python/src/gil.rs): by restoring this thread's
# state when a call released the GIL on it, else by PyGILState_Ensure (a thread
# C made, or one holding the GIL). Each way, and each nested in the other, below.


def test_nested_callbacks_on_one_thread(fix):
    ffi, lib = fix
    import threading

    seen = []

    @ffi.callback("binop")
    def inner(a, b):
        seen.append(("inner", threading.get_ident()))
        return a * 10 + b

    @ffi.callback("binop")
    def middle(a, b):
        seen.append(("middle", threading.get_ident()))
        return lib.apply(inner, a, b) + 100

    @ffi.callback("binop")
    def outer(a, b):
        # C calling back, Python calling C again, C calling back: the GIL
        # released and taken back three deep on one thread state.
        first = lib.apply(middle, a, b)
        second = lib.apply(middle, b, a)
        return first * 1000 + second

    assert lib.apply(outer, 1, 2) == 112 * 1000 + 121
    assert [name for name, _ in seen] == ["middle", "inner"] * 2
    assert {ident for _, ident in seen} == {threading.get_ident()}
    # Python runs as before once every call has returned.
    assert lib.apply(inner, 3, 4) == 34


def test_nested_callback_raising(fix, capsys):
    ffi, lib = fix
    failing = ffi.callback("binop", lambda a, b: 1 // 0, error=-7)

    @ffi.callback("binop")
    def outer(a, b):
        return lib.apply(failing, a, b) * 2

    assert lib.apply(outer, 1, 2) == -14
    assert "ZeroDivisionError" in capsys.readouterr().err


def test_callback_on_a_c_thread_calling_c_that_calls_back(fix):
    ffi, lib = fix
    import threading

    seen = []

    @ffi.callback("binop")
    def inner(a, b):
        seen.append(threading.get_ident())
        return a + b

    @ffi.callback("binop")
    def on_thread(a, b):
        # A thread C made: this callback took the GIL by PyGILState_Ensure,
        # which made the thread's state; the call below releases it and
        # `inner` restores it.
        seen.append(threading.get_ident())
        return lib.apply(inner, a, b) * 10

    assert lib.apply_in_thread(on_thread, 2, 3) == 50
    assert len(seen) == 2 and seen[0] == seen[1] != threading.get_ident()


def test_callback_from_a_c_thread_inside_a_nested_call(fix):
    ffi, lib = fix
    import threading

    inner = ffi.callback("binop", lambda a, b: a * b)

    @ffi.callback("binop")
    def outer(a, b):
        # This thread is inside two calls that released the GIL; the thread C
        # starts has no thread state yet (PyGILState_Ensure makes one).
        return lib.apply_in_thread(inner, a, b) + 1

    assert lib.apply(outer, 6, 7) == 43
    assert threading.active_count() >= 1


def test_callback_called_with_the_gil_held_inside_a_call(fix):
    """A call released the GIL; C reaches Python by a way that takes it (here
    a wyvern callback), and Python calls another callback through ctypes'
    PYFUNCTYPE, which keeps the GIL: that callback finds this thread's state
    holding the GIL, and must not wait for the GIL it holds."""
    ffi, lib = fix
    import ctypes

    inner = ffi.callback("binop", lambda a, b: a - b)
    held = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_int)(
        int(ffi.cast("intptr_t", inner))
    )

    @ffi.callback("binop")
    def outer(a, b):
        return held(a, b) * 100

    assert lib.apply(outer, 9, 4) == 500
    # And with no wyvern call around it at all.
    assert held(9, 4) == 5


def test_callback_called_after_the_call_returned(fix):
    """C calling a callback on the thread of a finished call, through ctypes,
    which released the GIL its own way: the thread's state is restored the
    same."""
    ffi, lib = fix
    import ctypes

    cb = ffi.callback("binop", lambda a, b: a * 3 + b)
    assert lib.apply(cb, 1, 1) == 4
    released = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_int)(
        int(ffi.cast("intptr_t", cb))
    )
    assert released(5, 1) == 16
