"""The type fields python/src/slots.rs writes itself (tp_weaklistoffset,
tp_dictoffset, the dealloc that clears weak references), under what stresses
them: weak reference callbacks that run Python code, make and drop returned
records (the free list's objects) and collect while an object dies;
libraries whose dict refers back to them; libraries made on many threads."""

import gc
import threading
import weakref

import pytest

import wyvern


@pytest.fixture
def make_lib(fixture_lib):
    def make():
        ffi = fixture_lib.cdef(wyvern.FFI())
        return ffi, ffi.dlopen(fixture_lib.so)

    return make


def test_weak_callbacks_of_returned_records_make_records_and_collect(fix):
    ffi, lib = fix
    v = ffi.new("struct vec3 *", [1.0, 2.0, 3.0])[0]
    seen = []
    refs = []

    def inner(_ref):
        seen.append(lib.vec3_scale(v, 3.0).z)

    def outer(_ref):
        # Runs while a record dies (the free list may be keeping it).
        x = lib.vec3_scale(v, 2.0)
        seen.append(x.x)
        lib.box_around(v, 1.0)
        refs.append(weakref.ref(x, inner))
        gc.collect()

    for i in range(200):
        r = lib.vec3_scale(v, float(i))
        refs.append(weakref.ref(r, outer))
        p = ffi.new("int[3]")
        refs.append(weakref.ref(p, outer))
        del r, p
    gc.collect()
    assert all(r() is None for r in refs)
    assert seen.count(2.0) == 400 and seen.count(9.0) == 400
    # A record taken back from the free list has no weak reference of its
    # past life, and takes new ones.
    a = lib.vec3_scale(v, 1.0)
    old = weakref.ref(a)
    del a
    b = lib.vec3_scale(v, 4.0)
    assert old() is None
    assert weakref.ref(b)() is b and b.x == 4.0


def test_libraries_die_with_callbacks_that_collect(make_lib):
    dead = []
    refs = []
    for i in range(30):
        ffi, lib = make_lib()
        refs.append(weakref.ref(lib, lambda _r: (gc.collect(), dead.append(wyvern.FFI()))))
        refs.append(weakref.ref(ffi))
        proxy = weakref.proxy(lib)
        assert proxy.add(1, 2) == 3
        lib.__dict__["me"] = lib  # a cycle through the dict itself
        del lib, ffi, proxy
        if i % 2:
            gc.collect()
    gc.collect()
    assert len(dead) == 30 and all(r() is None for r in refs)


def test_the_lib_dict_is_the_one_cache(fix):
    ffi, lib = fix
    d = lib.__dict__
    assert d is lib.__dict__ and vars(lib) is d
    f = lib.add
    assert d["add"] is f and lib.add is f
    with pytest.raises(AttributeError):
        lib.__dict__ = {}
    # 3.8 refuses object's __setattr__ on a class with its own (TypeError).
    with pytest.raises((AttributeError, TypeError)):
        object.__setattr__(lib, "__dict__", {})
    assert lib.__dict__ is d
    d.clear()
    assert lib.add(1, 2) == 3 and "add" in d
    assert gc.is_tracked(lib) and any(x is d for x in gc.get_referents(lib))


def test_libraries_made_and_dropped_on_threads(make_lib):
    errors = []

    def work():
        try:
            for _ in range(20):
                ffi, lib = make_lib()
                r = weakref.ref(lib)
                assert lib.add(2, 3) == 5 and r() is lib
                del lib, ffi
                gc.collect()
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_del_of_a_looked_up_name_forgets_it():
    """`del lib.f`, as in cffi: the cached function goes, and the next lookup
    makes it again; a name never looked up is an AttributeError."""
    ffi = wyvern.FFI()
    ffi.cdef("int abs(int);")
    lib = ffi.dlopen(None)
    first = lib.abs
    del lib.abs
    assert "abs" not in lib.__dict__
    assert lib.abs(-4) == 4 and lib.abs is not first
    with pytest.raises(AttributeError):
        del lib.labs
