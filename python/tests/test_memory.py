"""Memory through cdata: ffi.buffer, from_buffer, memmove, gc and release,
handles, custom allocators. Each test runs against cffi too (the `both`
fixture), so every expectation is cffi's."""

import gc
import sys
import weakref

import pytest


@pytest.fixture
def ffi(both):
    both.cdef("struct point { int x; int y; };")
    return both


def test_memmove_and_buffer(ffi):
    a = ffi.new("int[]", [1, 2, 3, 4])
    ffi.memmove(a + 1, a, 8)
    assert list(a) == [1, 1, 2, 4]
    buf = ffi.buffer(a)
    assert len(buf) == 16
    raw = bytes(buf)
    assert raw[:4] == (1).to_bytes(4, sys.byteorder)
    buf[0:4] = (9).to_bytes(4, sys.byteorder)
    assert a[0] == 9
    out = bytearray(8)
    ffi.memmove(out, a, 8)
    assert out == (9).to_bytes(4, sys.byteorder) + (1).to_bytes(4, sys.byteorder)
    ffi.memmove(a, b"\x07\x00\x00\x00", 4)
    assert a[0] == 7
    assert ffi.buffer(ffi.new("char[]", b"abc"), 2)[:] == b"ab"


def test_memmove_checks_sizes(ffi):
    with pytest.raises(ValueError):
        ffi.memmove(ffi.new("int[2]"), ffi.new("int[2]"), -1)
    if ffi.backend_name == "wyvern":
        # cffi writes past a Python buffer's end here; wyvern refuses.
        small = bytearray(4)
        with pytest.raises(ValueError):
            ffi.memmove(small, b"12345678", 8)
        with pytest.raises(ValueError):
            ffi.memmove(ffi.new("char[8]"), b"123", 8)
        assert small == bytearray(4)
        # Nor past what ffi.new made (the cdata it returned, and what keeps
        # that memory, a field or an element's address): cffi corrupts the
        # heap here (or crashes, at 4096 bytes). A pointer made by arithmetic
        # or a cast is C's pointer, unchecked, as in cffi.
        a = ffi.new("char[2]", b"xy")
        with pytest.raises(ValueError, match=r"dest has only 2"):
            ffi.memmove(a, bytes(4096), 4096)
        with pytest.raises(ValueError, match=r"src has only 2"):
            ffi.memmove(bytearray(6), a, 6)
        p = ffi.new("struct point *")
        with pytest.raises(ValueError, match=r"dest has only 4"):
            ffi.memmove(ffi.addressof(p, "y"), bytes(5), 5)
        with pytest.raises(ValueError, match=r"dest has only 8"):
            ffi.memmove(p, bytes(9), 9)
        ffi.memmove(a + 1, b"z", 1)  # unchecked, and in bounds
        ffi.memmove(p, (5).to_bytes(4, sys.byteorder) * 2, 8)
        assert bytes(ffi.buffer(a)) == b"xz" and (p.x, p.y) == (5, 5)


def test_from_buffer(ffi):
    ba = bytearray(b"hello")
    c = ffi.from_buffer(ba)
    assert len(c) == 5
    assert c[1] == b"e"
    c[0] = b"j"
    assert ba == bytearray(b"jello")
    ints = ffi.from_buffer("int[]", bytearray(8))
    assert len(ints) == 2
    ints[1] = -1
    assert list(ints) == [0, -1]
    with pytest.raises(BufferError):
        ffi.from_buffer(bytes(4), require_writable=True)


def test_gc_destructor(ffi):
    freed = []
    p = ffi.new("int *", 5)
    q = ffi.gc(p, lambda x: freed.append(int(ffi.cast("intptr_t", x))))
    assert q == p and q[0] == 5
    addr = int(ffi.cast("intptr_t", p))
    del q
    gc.collect()
    assert freed == [addr]


def test_release_runs_gc_destructor_once(ffi):
    freed = []
    q = ffi.gc(ffi.new("int *"), lambda x: freed.append(1))
    ffi.release(q)
    assert freed == [1]
    ffi.release(q)
    del q
    gc.collect()
    assert freed == [1]
    with ffi.gc(ffi.new("int *"), lambda x: freed.append(2)) as p:
        p[0] = 1
        assert freed == [1]
    assert freed == [1, 2]


def test_new_handle(ffi):
    obj = {"some": "object"}
    h = ffi.new_handle(obj)
    assert ffi.typeof(h) == ffi.typeof("void *")
    assert ffi.from_handle(h) is obj
    as_void = ffi.cast("void *", h)
    assert ffi.from_handle(as_void) is obj


def test_cdata_weakref(ffi):
    p = ffi.new("int *")
    r = weakref.ref(p)
    assert r() is p


def test_weak_references_and_the_lib_dict_on_every_version(ffi):
    """PyO3's weakref and dict options need CPython 3.9's stable ABI; the one
    wheel, which serves 3.8 too, sets the type fields itself
    (python/src/slots.rs). Weak references to cdata and libraries work and
    die with their object (callbacks run), and a library's looked-up names
    are its __dict__, found there by CPython's own attribute lookup."""
    import sys

    from wyvern import _wyvern

    known = sys.maxsize > 2**32 and (3, 8) <= sys.version_info[:2] <= (3, 14)
    if known:
        assert _wyvern._weakref, "tp_weaklistoffset was not set on CData"
        assert _wyvern.CData.__weakrefoffset__ > 0
    ffi = type(ffi)()  # its own, which the fixture does not keep
    ffi.cdef("int abs(int);")
    lib = ffi.dlopen(None)
    assert lib.abs(-3) == 3
    assert "abs" in lib.__dict__ and lib.__dict__["abs"] is lib.abs
    if known:
        assert type(lib).__dictoffset__ != 0 and type(lib).__weakrefoffset__ != 0
    dead = []
    r_lib = weakref.ref(lib, lambda r: dead.append("lib"))
    p = ffi.new("int[4]")
    r_p = weakref.ref(p, lambda r: dead.append("cdata"))
    field = weakref.ref(ffi.cast("int *", p), lambda r: dead.append("cast"))
    assert r_lib() is lib and r_p() is p
    del p
    gc.collect()
    assert r_p() is None and field() is None
    # A library is collected with its FFI (the FFI keeps it in a cycle).
    del lib, ffi
    gc.collect()
    assert r_lib() is None
    assert sorted(dead) == ["cast", "cdata", "lib"]


def test_many_weakly_referenced_cdata_die_cleanly(ffi):
    """Objects die with weak references and callbacks that make new objects
    and collect, in every order (the dealloc in python/src/slots.rs clears
    the references before PyO3 frees the object)."""
    made = []

    def cb(_ref):
        made.append(ffi.new("int *", len(made)))
        if len(made) % 7 == 0:
            gc.collect()

    refs = []
    for i in range(300):
        p = ffi.new("int[2]", [i, i])
        refs.append(weakref.ref(p, cb))
        if i % 3 == 0:
            refs.append(weakref.ref(p))
        del p
    gc.collect()
    assert all(r() is None for r in refs)
    assert len(made) == 300 and [m[0] for m in made] == list(range(300))


def test_from_buffer_keeps_the_buffer_exported(ffi):
    ba = bytearray(b"hello")
    c = ffi.from_buffer(ba)
    with pytest.raises(BufferError):
        ba.extend(b"x" * 100000)  # would move the bytes under c
    part = c[1:3]
    del c
    gc.collect()
    assert part[0] == b"e"
    del part
    gc.collect()
    ba.extend(b"!")  # no cdata left: resizing is fine again
    assert ba == bytearray(b"hello!")


def test_from_buffer_kinds_of_buffers(ffi):
    import array

    m = ffi.from_buffer(memoryview(b"abcd")[1:])  # read-only, not bytes
    assert len(m) == 3 and m[0] == b"b"
    a = array.array("i", [1, 2, 3])
    x = ffi.from_buffer("int[]", a)
    x[0] = 9
    assert list(a) == [9, 2, 3]
    with pytest.raises(BufferError):
        ffi.from_buffer(memoryview(b"abcdef")[::2])  # not contiguous
    with pytest.raises(TypeError):
        ffi.from_buffer("text")
    with pytest.raises(ValueError):
        ffi.from_buffer("int[3]", bytearray(4))


def test_new_allocator_with_custom_alloc_and_free(ffi):
    ffi.cdef("void *malloc(size_t); void free(void *);")
    libc = ffi.dlopen(None)
    freed = []

    def free(p):
        freed.append(int(ffi.cast("uintptr_t", p)))
        libc.free(p)

    alloc = ffi.new_allocator(alloc=libc.malloc, free=free)
    p = alloc("struct point *", [1, 2])
    assert (p.x, p.y) == (1, 2)
    where = int(ffi.cast("uintptr_t", p))
    del p
    gc.collect()
    assert freed == [where]
    a = alloc("int[4]", [1, 2, 3])
    assert list(a) == [1, 2, 3, 0] and len(a) == 4
    b = alloc("int[]", 5)
    assert len(b) == 5 and list(b) == [0] * 5
    s = alloc("char[]", b"hi")
    assert ffi.string(s) == b"hi" and len(s) == 3
    del a, b, s
    gc.collect()
    assert len(freed) == 4


def test_memmove_and_from_buffer_take_ffi_buffers(ffi):
    src = ffi.new("char[]", b"abcd")
    dst = ffi.new("char[5]")
    ffi.memmove(ffi.buffer(dst), ffi.buffer(src), 4)
    assert ffi.string(dst) == b"abcd"
    view = ffi.from_buffer(ffi.buffer(src))
    assert len(view) == 5 and view[1] == b"b"
    view[0] = b"z"
    assert ffi.string(src) == b"zbcd"


def test_buffer_of_a_non_cdata_is_a_type_error(ffi):
    with pytest.raises(TypeError, match=r"buffer\(\) argument 1 must be"):
        ffi.buffer(5)
