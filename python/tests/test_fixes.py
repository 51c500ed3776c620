"""Behaviours where wyvern once differed from cffi (or said too little), each
checked against what cffi 2.1.1 does when cffi is there to ask."""

import re

import pytest

import wyvern


def raised(f):
    try:
        f()
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        return type(e).__name__, str(e)
    return None


def same_type_as_cffi(cffi_ffi, ffi, f):
    """`f(ffi)` raises, and the same exception type as under cffi."""
    ours = raised(lambda: f(ffi))
    theirs = raised(lambda: f(cffi_ffi))
    assert ours is not None, "wyvern accepted it"
    assert theirs is not None, "cffi accepted it"
    assert ours[0] == theirs[0], (ours, theirs)
    return ours[1]


# 1. <cdef N> counts the user's cdefs, not the opaque structs the FFI declares.
def test_cdef_numbers_ignore_implicit_declarations(ffi):
    ffi.cdef("int a;")
    # Naming an unknown struct declares it (opaque), as cffi does.
    ffi.new("struct nowhere **")
    ffi.typeof("struct elsewhere *")
    ffi.cdef("int b;")
    with pytest.raises(wyvern.CDefError, match=r"<cdef 3>:2:"):
        ffi.cdef("int c;\nint d e;")


# 2. What clang only warns about, and definitions, are refused with a place.
def test_cdef_refuses_warnings_and_definitions(ffi, cffi_ffi, tmp_path):
    msg = same_type_as_cffi(cffi_ffi, ffi, lambda f: f.cdef("struct s { int a } ;"))
    assert "<cdef>:1:" in msg and "expected ';'" in msg
    msg = same_type_as_cffi(cffi_ffi, ffi, lambda f: f.cdef("extern int g;\nint f(void) { return 1; }"))
    assert "<cdef>:2:5: a function body ('f')" in msg
    # cffi ignores an initializer; nothing could use it, so it is refused.
    with pytest.raises(wyvern.CDefError, match=r"<cdef>:1:5: an initializer \('x'\)"):
        ffi.cdef("int x = 5;")
    with pytest.raises(wyvern.CDefError, match=r"1:18: an initializer.*#define NAME value"):
        ffi.cdef("static const int X = 5;")
    # libclang finds them, wherever the text puts them.
    for text, where in [
        ("__attribute__((noinline)) int h(void) /* { */ { return 0; }", "1:31: a function body ('h')"),
        ("int a, b(void);\nint c(void)\n/* its body: */\n{ return 0; }", "2:5: a function body ('c')"),
        ("int arr[] = {1, 2};", "1:5: an initializer ('arr')"),
        ("extern int e;\nint /* = */ arr2[2] = {0};", "2:13: an initializer ('arr2')"),
    ]:
        with pytest.raises(wyvern.CDefError, match=re.escape(where)):
            wyvern.FFI().cdef(text)
    # Brackets, bodies of records and enums, comments and macros are fine.
    ffi.cdef(
        "typedef struct __attribute__((packed)) { char c; int i; } P;\n"
        "struct __attribute__((aligned(8))) q { int a; };\n"
        "enum e { A = 1, B = A + 1 };  /* int y = 1; { */\n"
        "#define M(x) { x = 1; }\n"
        "struct q *make(int (*cb)(int)); // = {\n"
    )
    assert ffi.sizeof("P") == 5
    assert ffi.sizeof("struct q") == 8
    with pytest.raises(wyvern.CDefError, match=r"<cdef 2>:1:11: a function body"):
        ffi.cdef("struct q *g(void) { return 0; }")
    # Definitions in a header the text includes are the header's own.
    (tmp_path / "inl.h").write_text("static inline int twice(int x) { return 2 * x; }\nint used;\n")
    ffi.cdef('#include "inl.h"\nint later(void);', include_dirs=[str(tmp_path)])


# 3. Negative indexes and lengths.
def test_negative_index_and_length(ffi, cffi_ffi):
    msg = same_type_as_cffi(cffi_ffi, ffi, lambda f: f.new("int[3]")[-1])
    assert "negative index" in msg
    msg = same_type_as_cffi(
        cffi_ffi, ffi, lambda f: f.new("int[3]").__setitem__(-2, 1)
    )
    assert "negative index" in msg
    msg = same_type_as_cffi(cffi_ffi, ffi, lambda f: f.unpack(f.new("int[3]"), -1))
    assert "negative" in msg
    # A pointer into C's memory may go back, as in C.
    arr = ffi.new("int[3]", [1, 2, 3])
    assert (arr + 2)[-1] == 2


# 6. NULL dereference is cffi's RuntimeError.
def test_null_dereference_is_runtime_error(ffi, cffi_ffi):
    for f in (
        lambda f: f.cast("int *", 0)[0],
        lambda f: f.cast("int *", 0).__setitem__(0, 1),
    ):
        same_type_as_cffi(cffi_ffi, ffi, f)
    cffi_ffi.cdef("struct pt { int x; }; typedef int (*fp)(int);")
    ffi.cdef("struct pt { int x; }; typedef int (*fp)(int);")
    # (cffi reads through it and crashes: not asked.)
    with pytest.raises(RuntimeError, match="NULL"):
        ffi.cast("struct pt *", 0).x
    same_type_as_cffi(cffi_ffi, ffi, lambda f: f.cast("fp", 0)(1))


# 7. string() of an int is cffi's TypeError.
def test_string_of_an_int_is_type_error(ffi, cffi_ffi):
    for cdecl in ("int", "long", "_Bool", "double"):
        same_type_as_cffi(cffi_ffi, ffi, lambda f: f.string(f.cast(cdecl, 5)))
    assert ffi.string(ffi.cast("char", 65)) == b"A"


# 11. One NULL per FFI.
def test_null_is_one_object(ffi):
    first = ffi.NULL
    ffi.cdef("int later;")
    assert ffi.NULL is first
    assert first == ffi.cast("void *", 0)
    assert wyvern.FFI().NULL is not first


# 5. A function-like macro on Lib says what it is and what it expands to.
def test_function_like_macro_on_lib(ffi):
    ffi.cdef("int abs(int);\n#define twice_abs(x) abs(x) * 2")
    lib = ffi.dlopen(None)
    with pytest.raises(AttributeError) as e:
        lib.twice_abs
    assert "function-like macro" in str(e.value)
    assert "abs(x) * 2" in str(e.value)
    with pytest.raises(AttributeError, match="no function, global variable or constant 'nothing'"):
        lib.nothing


def test_zlib_deflate_init_is_a_macro(ffi):
    import os

    if not os.path.exists("/usr/include/zlib.h"):
        pytest.skip("zlib.h is not installed")
    ffi.cdef("#include <zlib.h>")
    lib = ffi.dlopen(None)
    with pytest.raises(AttributeError, match=r"function-like macro.*deflateInit_") as e:
        lib.deflateInit
    assert "deflateInit(strm, level)" in str(e.value)


# 9. A function pointer takes only one of its own type.
def test_function_pointer_types_must_match(ffi, cffi_ffi, fixture_lib):
    decls = "typedef int (*fa)(int, int); typedef int (*fb)(double); typedef int (*fv)(int, ...);"
    cffi_ffi.cdef(decls)
    ffi.cdef(decls)
    for other in ("fb", "fv"):
        msg = same_type_as_cffi(
            cffi_ffi, ffi, lambda f: f.new("fa *").__setitem__(0, f.cast(other, 1))
        )
        assert "int(*)(int, int)" in msg
    fixture_lib.cdef(ffi)
    lib = ffi.dlopen(fixture_lib.so)
    wrong = ffi.callback("int(double)", lambda x: 1)
    with pytest.raises(TypeError, match=r"int\(\*\)\(double\)"):
        lib.apply(wrong, 1, 2)
    # The same type, spelt another way, and a callback of it are taken.
    right = ffi.callback("int(int, int)", lambda a, b: a * b)
    assert lib.apply(right, 6, 7) == 42
    assert lib.apply(ffi.cast("fa", right), 6, 7) == 42
    assert lib.apply(ffi.cast("binop", right), 2, 3) == 6
    # void * still converts either way, as in cffi.
    assert lib.apply(ffi.cast("binop", ffi.cast("void *", right)), 2, 5) == 10


# 8. A const global's memory (.rodata) is never written.
def test_const_globals_refuse_writes(ffi, tmp_path):
    from conftest import gcc, have_gcc

    if not have_gcc():
        pytest.skip("gcc is not installed")
    (tmp_path / "cg.c").write_text(
        "struct P { int x, y; struct { int z; } in; };\n"
        "const struct P origin = {1, 2, {3}};\n"
        "const int table[4] = {1, 2, 3, 4};\n"
        "struct P moving = {5, 6, {7}};\n"
    )
    gcc(["-shared", "-fPIC", "-o", "libcg.so", "cg.c"], cwd=tmp_path)
    ffi.cdef(
        "struct P { int x, y; struct { int z; } in; };\n"
        "extern const struct P origin; extern const int table[4]; extern struct P moving;"
    )
    lib = ffi.dlopen(str(tmp_path / "libcg.so"))
    assert (lib.origin.x, lib.origin.y, getattr(lib.origin, "in").z) == (1, 2, 3)
    assert list(lib.table) == [1, 2, 3, 4]
    for write in (
        lambda: setattr(lib.origin, "x", 9),
        lambda: setattr(getattr(lib.origin, "in"), "z", 9),
        lambda: lib.table.__setitem__(0, 9),
        lambda: lib.table[1:3].__setitem__(slice(0, 2), [8, 9]),
        lambda: setattr(lib, "origin", ffi.new("struct P *")[0]),
        # memmove and buffer know it too.
        lambda: ffi.memmove(lib.table, b"\xff" * 4, 4),
        lambda: ffi.memmove(lib.origin, ffi.new("struct P *"), 4),
        lambda: ffi.buffer(lib.table).__setitem__(0, b"\x09"),
        lambda: ffi.buffer(lib.origin).__setitem__(slice(0, 4), b"\0" * 4),
    ):
        with pytest.raises(TypeError, match="const"):
            write()
    assert list(lib.table) == [1, 2, 3, 4] and lib.origin.x == 1
    # Reading them, and copying out of them, is fine.
    assert ffi.buffer(lib.table)[0:4] == (1).to_bytes(4, "little")
    assert ffi.buffer(lib.table).view.readonly
    out = ffi.new("int[4]")
    ffi.memmove(out, lib.table, 16)
    assert list(out) == [1, 2, 3, 4]
    # What is not const is still written in place.
    lib.moving.x = 50
    assert lib.moving.x == 50


# 10. A name declared again: cffi's FFIError, or with override=True the new one.
def test_redeclaration_and_override(ffi, cffi_ffi):
    decls = "extern int g; int abs(int); typedef int T; struct a { int x; };"
    ffi.cdef(decls + " int use_t(T);")
    cffi_ffi.cdef(decls)
    for again in ("extern long g;", "typedef long T;", "long abs(long);"):
        msg = same_type_as_cffi(cffi_ffi, ffi, lambda f: f.cdef(again))
        assert "override=True" in msg and "<cdef 2>:1:" in msg
    # A struct defined again is a CDefError, override or not, as in cffi.
    for override in (False, True):
        same_type_as_cffi(
            cffi_ffi, ffi, lambda f: f.cdef("struct a { long y; };", override=override)
        )
    # The same declaration again is C, and fine.
    ffi.cdef("extern int g; typedef int T;")
    ffi.cdef("typedef long T; long abs(long);", override=True)
    cffi_ffi.cdef("typedef long T; long abs(long);", override=True)
    assert ffi.sizeof("T") == cffi_ffi.sizeof("T") == 8
    lib = ffi.dlopen(None)
    assert ffi.typeof(lib.abs) == ffi.typeof("long(*)(long)")
    assert not [n for n in dir(lib) if "overridden" in n]
    assert "abs" in dir(lib)
    # Overridden again, and the numbering of cdefs goes on.
    ffi.cdef("typedef short T;", override=True)
    assert ffi.sizeof("T") == 2
    with pytest.raises(wyvern.CDefError, match=r"<cdef 5>:1:"):
        ffi.cdef("int x y;")


# override=True of declarations a macro wrote: clang names them at the macro's
# use (the name is not in the text there), and they are replaced all the same.
def test_override_of_declarations_a_macro_writes():
    ffi = wyvern.FFI()
    ffi.cdef("int abs(int); typedef int T; extern int g;")
    ffi.cdef("#define DECLS long abs(long); typedef long T;\nDECLS", override=True)
    assert ffi.sizeof("T") == 8
    assert ffi.typeof(ffi.dlopen(None).abs) == ffi.typeof("long(*)(long)")
    ffi.cdef("#define D(type, name) extern type name;\nD(short, g)", override=True)
    # g is a short now: declaring it so again is C, as an int it clashes.
    ffi.cdef("extern short g;")
    with pytest.raises(wyvern.FFIError, match=r"'g'"):
        ffi.cdef("extern int g;")
    with pytest.raises(wyvern.FFIError, match=r"override=True"):
        ffi.cdef("#define E(name) unsigned name(unsigned);\nE(abs)")


# 4. include() of a header without lib= returns the process's library.
def test_include_without_lib_returns_the_process(ffi):
    lib = ffi.include("<stdlib.h>")
    assert lib is not None
    assert lib.abs(-3) == 3
    assert "running process" in repr(lib)
    # A function of a library the process has not loaded: the error says so,
    # as cffi's AttributeError (so hasattr says no).
    ffi.cdef("int wyvern_nowhere_fn(int); extern int wyvern_nowhere_var;")
    with pytest.raises(AttributeError, match=r"not loaded: open it with ffi.dlopen"):
        lib.wyvern_nowhere_fn
    assert not hasattr(lib, "wyvern_nowhere_fn")
    assert not hasattr(lib, "wyvern_nowhere_var")


# dlopen's flags reach dlopen: RTLD_GLOBAL makes the library's symbols the
# process's, as in cffi.
def test_dlopen_flags_reach_dlopen(ffi, tmp_path):
    import ctypes

    from conftest import gcc, have_gcc

    if not have_gcc():
        pytest.skip("gcc is not installed")
    (tmp_path / "g.c").write_text("int wyvern_global_probe(void) { return 7; }\n")
    gcc(["-shared", "-fPIC", "-o", "libglobalprobe.so", "g.c"], cwd=tmp_path)
    ffi.cdef("int wyvern_global_probe(void);")
    process = ffi.dlopen(None)
    assert not hasattr(process, "wyvern_global_probe")
    lib = ffi.dlopen(str(tmp_path / "libglobalprobe.so"), ffi.RTLD_GLOBAL)
    assert lib.wyvern_global_probe() == 7
    assert ffi.dlopen(None).wyvern_global_probe() == 7
    assert ctypes.CDLL(None).wyvern_global_probe() == 7
    with pytest.raises(OSError, match="nothing-here"):
        ffi.dlopen("libnothing-here.so", ffi.RTLD_NOW | ffi.RTLD_GLOBAL)
    # A name as the linker finds it, with flags too.
    assert ffi.dlopen("m", ffi.RTLD_NOW) is not None


def test_a_header_that_warns_is_still_read(ffi, tmp_path):
    # A project's header, found through include_dirs: its warnings are C's.
    (tmp_path / "warns.h").write_text("struct w { int a } ;\nint uses_w(struct w *);\n")
    ffi.cdef('#include "warns.h"', include_dirs=[str(tmp_path)])
    assert ffi.sizeof("struct w") == 4
    with pytest.raises(wyvern.CDefError, match=r"^<cdef 2>:1:17: expected ';' at end of declaration list$"):
        ffi.cdef("struct v { int a } ;")


# override=True replaces declarations that came from DWARF too, and what a
# library looked up before the override.
def test_override_replaces_dwarf_declarations_and_cached_lookups(ffi, tmp_path):
    from conftest import gcc, have_gcc

    if not have_gcc():
        pytest.skip("gcc is not installed")
    (tmp_path / "ov.c").write_text("int f(int x) { return x + 1; }\ndouble g = 2.5;\nint h(void) { return 7; }\n")
    gcc(["-g", "-shared", "-fPIC", "-o", "libov.so", "ov.c"], cwd=tmp_path)
    so = str(tmp_path / "libov.so")
    ffi.dwarf(so)
    lib = ffi.dlopen(so)
    assert (lib.f(1), lib.g, lib.h()) == (2, 2.5, 7)
    with pytest.raises(wyvern.FFIError, match="function f"):
        ffi.cdef("long f(long);")
    ffi.cdef("long f(long); float g;", override=True)
    assert ffi.typeof(lib.f) is ffi.typeof("long(*)(long)")
    assert ffi.typeof(ffi.addressof(lib, "g")) is ffi.typeof("float *")
    assert lib.h() == 7  # what was not redeclared stays
    # The same for declarations from cdef, looked up before.
    other = wyvern.FFI()
    other.cdef("int f(int);")
    lib2 = other.dlopen(so)
    assert lib2.f(41) == 42
    other.cdef("unsigned f(unsigned);", override=True)
    assert other.typeof(lib2.f) is other.typeof("unsigned(*)(unsigned)")
    assert lib2.f(41) == 42


# An unknown name's AttributeError suggests the nearest once: CPython adds no
# "Did you mean" of its own to the traceback.
def test_an_unknown_name_is_suggested_once():
    import subprocess
    import sys

    code = (
        "import wyvern\n"
        "ffi = wyvern.FFI(); ffi.cdef('long strtok2(long);'); lib = ffi.dlopen(None)\n"
        "assert not hasattr(lib, 'strtol')\n"
        "lib.strtol\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("AttributeError:") and "'strtok2'" in last, last
    assert last.lower().count("did you mean") == 1, last


# A macro that is no constant says why, as the Rust API does.
def test_a_macro_that_is_no_constant_says_why(ffi):
    ffi.cdef("#define GONE 1\n#undef GONE\n#define NOPE (x +)\n")
    lib = ffi.dlopen(None)
    with pytest.raises(AttributeError, match=r"'GONE' .*#undef'd at <cdef>:2:1"):
        lib.GONE
    with pytest.raises(AttributeError, match=r"'NOPE' is a macro but not a constant: it uses 'x'"):
        lib.NOPE
    assert not hasattr(lib, "GONE")
