"""FFI objects, cdef (plain C, #include, macros, options) and dlopen."""

import pytest

import wyvern


def test_ffi_is_cffi_shaped(ffi):
    assert isinstance(ffi, wyvern.FFI)
    assert ffi.error is wyvern.FFIError
    assert ffi.CData is wyvern.CData
    assert ffi.CType is wyvern.CType
    assert not ffi.NULL
    assert ffi.typeof(ffi.NULL) == ffi.typeof("void *")


def test_builtin_types_need_no_cdef(ffi):
    assert ffi.sizeof("int") == 4
    assert ffi.sizeof("long long") == 8
    assert ffi.sizeof("void *") == 8
    assert ffi.sizeof("double") == 8
    assert ffi.alignof("double") == 8
    assert ffi.sizeof("int[10]") == 40
    assert ffi.sizeof("uint16_t") == 2


def test_cdef_plain_declarations(ffi):
    ffi.cdef("struct pair { char a; long b; }; typedef struct pair pair_t; int pair_sum(pair_t *);")
    assert ffi.sizeof("struct pair") == 16
    assert ffi.sizeof("pair_t") == 16
    assert ffi.offsetof("struct pair", "b") == 8
    assert ffi.typeof("pair_t *").item.kind == "struct"
    assert ffi.typeof("pair_t *").kind == "pointer"
    assert ffi.typeof("int(*)(int, double)").kind == "function"  # cffi's kind for a function pointer


def test_cdef_sees_earlier_cdefs(ffi):
    ffi.cdef("typedef int myint;")
    ffi.cdef("struct holder { myint v[3]; };")
    assert ffi.sizeof("struct holder") == 12
    assert ffi.typeof("struct holder").fields[0][1].type == ffi.typeof("int[3]")


def test_cdef_error_is_cdef_error(ffi):
    with pytest.raises(wyvern.CDefError):
        ffi.cdef("struct broken { int x }")
    # The FFI still works after a failed cdef.
    ffi.cdef("struct fine { int x; };")
    assert ffi.sizeof("struct fine") == 4


def test_cdef_errors_point_at_their_own_lines(ffi):
    with pytest.raises(wyvern.CDefError, match=r"<cdef>:2:24: expected ';'"):
        ffi.cdef("int ok;\nstruct broken { int x }")
    ffi.cdef("struct a { int x; };")
    # each cdef is its own text: the second (successful) one is <cdef 2>
    with pytest.raises(wyvern.CDefError, match=r"<cdef 2>:2:8: redefinition of 'a'"):
        ffi.cdef("int fine;\nstruct a { long y; };")
    with pytest.raises(wyvern.CDefError, match=r"<cdef>:1:10: 'no_such_header_h14.h' file not found"):
        wyvern.FFI().include("<no_such_header_h14.h>")
    with pytest.raises(wyvern.CDefError, match=r":2:"):
        wyvern.FFI().cdef("struct p { char c; };\nint x y;", packed=True)


def test_unknown_type_name(ffi):
    # As cffi: an undeclared struct is opaque (sizeof raises ValueError), an
    # unknown type name is a CDefError.
    with pytest.raises(ValueError, match="nowhere"):
        ffi.sizeof("struct nowhere")
    with pytest.raises(wyvern.CDefError, match="foo_t"):
        ffi.typeof("foo_t")
    with pytest.raises(wyvern.CDefError, match="foo_t"):
        ffi.new("foo_t *")
    with pytest.raises(wyvern.CDefError, match="did you mean 'size_t'"):
        ffi.cast("sizet", 1)


def test_cdef_include_stdio(ffi, c_program):
    ffi.cdef("#include <stdio.h>")
    lib = ffi.dlopen(None)
    want = c_program('#include <stdio.h>\nint main(void) { printf("%d %d %d", EOF, BUFSIZ, SEEK_END); return 0; }')
    assert "%d %d %d" % (lib.EOF, lib.BUFSIZ, lib.SEEK_END) == want
    assert ffi.typeof("FILE *").kind == "pointer"
    assert callable(lib.fopen) and callable(lib.printf)


def test_macros_of_every_kind(ffi):
    ffi.cdef(
        """
        #define ANSWER 42
        #define NEG (-7)
        #define SHIFTED (1 << 10)
        #define HEXU 0xffffffffu
        #define TEXT "some text"
        #define HALF 0.5
        enum { ENUM_A = 3, ENUM_B };
        """
    )
    lib = ffi.dlopen(None)
    assert lib.ANSWER == 42
    assert lib.NEG == -7
    assert lib.SHIFTED == 1024
    assert lib.HEXU == 0xFFFFFFFF
    assert lib.TEXT == b"some text"
    assert lib.HALF == 0.5
    assert (lib.ENUM_A, lib.ENUM_B) == (3, 4)


def test_defines_and_include_dirs(ffi, tmp_path):
    (tmp_path / "conf.h").write_text("#ifdef WIDE\ntypedef long word;\n#else\ntypedef short word;\n#endif\n#define LEVEL DEPTH\n")
    ffi.cdef('#include "conf.h"', include_dirs=[str(tmp_path)], defines={"WIDE": None, "DEPTH": "5"})
    assert ffi.sizeof("word") == 8
    assert ffi.dlopen(None).LEVEL == 5


def test_packed(ffi):
    ffi.cdef("struct tight { char c; int i; };", packed=True)
    assert ffi.sizeof("struct tight") == 5
    assert ffi.offsetof("struct tight", "i") == 1


def test_dlopen_none_is_the_process(ffi):
    ffi.cdef("size_t strlen(const char *); int abs(int);")
    lib = ffi.dlopen(None)
    assert lib.strlen(b"hello") == 5
    assert lib.abs(-3) == 3


@pytest.mark.parametrize("name", ["libm.so.6", "m", "libm.so"])
def test_dlopen_soname_and_linker_names(ffi, name):
    ffi.cdef("double pow(double, double); double cbrt(double);")
    lib = ffi.dlopen(name)
    assert lib.pow(2, 10) == 1024.0
    assert lib.cbrt(27.0) == pytest.approx(3.0)


def test_dlopen_missing_library(ffi):
    with pytest.raises(OSError):
        ffi.dlopen("libdoes-not-exist-anywhere.so.9")


def test_missing_name_is_attribute_error(ffi):
    ffi.cdef("int abs(int);\nextern char **environ;\n#define ANSWER_MACRO 42\n")
    lib = ffi.dlopen(None)
    with pytest.raises(AttributeError, match="no function, global variable or constant 'not_declared_anywhere'"):
        lib.not_declared_anywhere
    # the closest name of any kind is suggested
    with pytest.raises(AttributeError, match="did you mean 'abs'"):
        lib.abz
    with pytest.raises(AttributeError, match="did you mean 'environ'"):
        lib.environs
    with pytest.raises(AttributeError, match="did you mean 'ANSWER_MACRO'"):
        lib.ANSWER_MACR
    assert {"abs", "environ", "ANSWER_MACRO"} <= set(dir(lib))


def test_declared_function_missing_from_library(ffi, fixture_lib):
    ffi.cdef("int no_such_function_in_fixture(int);")
    lib = ffi.dlopen(fixture_lib.so)
    with pytest.raises((AttributeError, wyvern.FFIError)):
        lib.no_such_function_in_fixture(1)


def test_later_cdef_is_seen_by_open_lib(ffi):
    lib = ffi.dlopen(None)
    ffi.cdef("int abs(int);")
    assert lib.abs(-9) == 9
    ffi.cdef("long labs(long);")
    assert lib.labs(-(1 << 40)) == 1 << 40


def test_dlclose(ffi):
    ffi.cdef("int abs(int);")
    lib = ffi.dlopen("libc.so.6")
    assert lib.abs(-1) == 1
    ffi.dlclose(lib)
    with pytest.raises(wyvern.FFIError, match="closed"):
        lib.labs
    with pytest.raises(wyvern.FFIError, match="closed"):
        lib.abs  # looked up (and cached) before the close


def test_list_types(ffi):
    ffi.cdef("typedef int t1; struct s1 { int a; }; union u1 { int a; float b; }; typedef struct s1 s1_t;")
    typedefs, structs, unions = ffi.list_types()
    assert {"t1", "s1_t"} <= set(typedefs)
    assert "s1" in structs
    assert "u1" in unions


def test_include_other_ffi(ffi):
    base = wyvern.FFI()
    base.cdef("struct shared { int a, b, c; }; int abs(int);")
    ffi.include(base)
    assert ffi.sizeof("struct shared") == 12
    assert ffi.dlopen(None).abs(-4) == 4


def test_errno(ffi):
    ffi.errno = 0
    ffi.cdef("#include <stdio.h>")
    lib = ffi.dlopen(None)
    assert lib.fopen(b"/definitely/not/here", b"r") == ffi.NULL
    assert ffi.errno == 2  # ENOENT
    ffi.errno = 5
    assert ffi.errno == 5


def test_getctype_matches_cffi(ffi, cffi_ffi):
    decls = "struct s { int a; }; typedef int (*fp)(int, double);"
    ffi.cdef(decls)
    cffi_ffi.cdef(decls)
    cases = [
        ("int", ""),
        ("int", "*"),
        ("int *", "x"),
        ("int[5]", "*"),
        ("int *[3]", "*"),
        ("int(*)[5]", "x"),
        ("fp", "*p"),
        ("int[5]", "arr"),
        ("struct s", "*p"),
        ("char *", "[3]"),
        ("fp", ""),
    ]
    for cdecl, extra in cases:
        assert ffi.getctype(cdecl, extra) == cffi_ffi.getctype(cdecl, extra), (cdecl, extra)


def test_type_names_match_cffi(ffi, cffi_ffi):
    decls = "struct s { int a; }; typedef struct { int b; } anon_t; enum e { E1 }; typedef int (*fp)(int, double);"
    ffi.cdef(decls)
    cffi_ffi.cdef(decls)
    for cdecl in ["int", "unsigned long", "char *", "int *[3]", "int(*)[3]", "struct s", "struct s *",
                  "anon_t", "anon_t *", "enum e", "fp", "void *", "double **", "size_t", "int8_t *"]:
        assert ffi.typeof(cdecl).cname == cffi_ffi.typeof(cdecl).cname, cdecl
        assert ffi.typeof(cdecl).kind == cffi_ffi.typeof(cdecl).kind, cdecl
    # wyvern keeps qualifiers in names (cffi drops them): deliberately.
    assert ffi.typeof("const char *").cname == "const char *"


@pytest.mark.parametrize("pack", [1, 2, 4])
def test_pack_matches_gcc(ffi, c_program, pack):
    decl = "struct packed_h14 { char c; int i; short s; double d; };"
    ffi.cdef(decl, pack=pack)
    out = c_program(
        "#include <stdio.h>\n#include <stddef.h>\n#pragma pack(%d)\n%s\n#pragma pack()\n"
        'int main(void) { printf("%%zu %%zu %%zu %%zu %%zu", sizeof(struct packed_h14), _Alignof(struct packed_h14),'
        " offsetof(struct packed_h14, i), offsetof(struct packed_h14, s), offsetof(struct packed_h14, d)); return 0; }" % (pack, decl)
    )
    got = (ffi.sizeof("struct packed_h14"), ffi.alignof("struct packed_h14"),
           ffi.offsetof("struct packed_h14", "i"), ffi.offsetof("struct packed_h14", "s"), ffi.offsetof("struct packed_h14", "d"))
    assert " ".join(map(str, got)) == out
