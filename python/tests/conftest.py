"""Shared fixtures: a fresh FFI, gcc to build the C fixture library (and
small programs whose output is the oracle for layouts), and cffi as a
second oracle for behaviour that does not depend on layouts."""

import os
import pathlib
import shutil
import subprocess

import pytest

import wyvern

HERE = pathlib.Path(__file__).resolve().parent
C_DIR = HERE / "c"


def have_gcc():
    return shutil.which("gcc") is not None


@pytest.fixture
def ffi():
    return wyvern.FFI()


@pytest.fixture
def cffi_ffi():
    cffi = pytest.importorskip("cffi")
    return cffi.FFI()


def gcc(args, cwd):
    proc = subprocess.run(["gcc", *args], cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise AssertionError("gcc %s failed:\n%s" % (" ".join(args), proc.stderr))


class Fixture:
    """The fixture library: its header's directory and text, and the .so
    (built with -g, so its DWARF describes it)."""

    def __init__(self, so, include_dir):
        self.so = str(so)
        self.include_dir = str(include_dir)
        self.header = (C_DIR / "fixture.h").read_text()

    def cdef(self, ffi):
        ffi.cdef('#include "fixture.h"', include_dirs=[self.include_dir])
        return ffi


@pytest.fixture(scope="session")
def fixture_lib(tmp_path_factory):
    if not have_gcc():
        pytest.skip("gcc is not installed")
    out = tmp_path_factory.mktemp("fixture")
    so = out / "libfixture.so"
    gcc(["-shared", "-fPIC", "-g", "-O1", "-pthread", "-o", str(so), str(C_DIR / "fixture.c")], cwd=out)
    return Fixture(so, C_DIR)


@pytest.fixture
def fix(fixture_lib):
    """A fresh FFI with fixture.h declared, and the library opened."""
    ffi = fixture_lib.cdef(wyvern.FFI())
    return ffi, ffi.dlopen(fixture_lib.so)


@pytest.fixture(scope="session")
def c_program(tmp_path_factory):
    """Compiles and runs a C program, returning its stdout: the oracle."""
    counter = [0]

    def run(source, include_dirs=(), libs=()):
        counter[0] += 1
        out = tmp_path_factory.mktemp("prog%d" % counter[0])
        src = out / "main.c"
        src.write_text(source)
        exe = out / "main"
        args = [str(src), "-o", str(exe)]
        for d in include_dirs:
            args += ["-I", str(d)]
        args += ["-l" + lib for lib in libs]
        gcc(args, cwd=out)
        return subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout

    if not have_gcc():
        pytest.skip("gcc is not installed")
    return run


def pytest_report_header(config):
    return "wyvern %s from %s; LIBCLANG_PATH=%s" % (
        wyvern.__version__,
        os.path.dirname(wyvern.__file__),
        os.environ.get("LIBCLANG_PATH", "(unset)"),
    )


@pytest.fixture(params=["wyvern", "cffi"])
def both(request):
    """An FFI of each kind: the test's expectations are checked against cffi
    itself, then wyvern must meet them (for what does not depend on layouts
    cffi would have to guess)."""
    if request.param == "cffi":
        cffi = pytest.importorskip("cffi")
        f = cffi.FFI()
    else:
        f = wyvern.FFI()
    f.backend_name = request.param
    return f
