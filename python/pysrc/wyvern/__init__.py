"""wyvern: call C from its headers at run time, with cffi's ABI-mode API.

    import wyvern
    ffi = wyvern.FFI()
    ffi.cdef("#include <math.h>")          # real headers, read by libclang
    libm = ffi.dlopen("libm.so.6")
    libm.pow(2, 10)                         # 1024.0

Declarations can also come from a binary's DWARF (``ffi.dwarf(path)``) or a
precompiled ``.wydb`` database (``ffi.load(path)``), neither of which needs
libclang. Switching from cffi is a change of import: ``from wyvern import FFI``.
"""

from ._wyvern import CData, CDefError, CField, CType, FFIError, __version__
from ._wyvern import FFI as _FFI
from ._wyvern import Lib

__all__ = ["FFI", "CData", "CType", "CField", "FFIError", "CDefError", "__version__"]


_PLAIN = []


def _plain_ffi():
    """An FFI with no declarations, for what needs only a cdata's own type."""
    if not _PLAIN:
        _PLAIN.append(_FFI())
    return _PLAIN[0]


class buffer:
    """``ffi.buffer(cdata, size=-1)``: the raw bytes of C memory (a pointer's
    pointee, an array, a struct), read and written through indexes and
    slices, with ``len``, ``bytes()``, comparisons as bytes, and the buffer
    protocol of the memoryview it wraps (``.view``; on Python >= 3.12 the
    buffer itself, so ``file.write(buf)`` works)."""

    __slots__ = ("_keep", "view", "_addr")

    def __init__(self, cdata, size=-1):
        import ctypes

        if not isinstance(cdata, CData):
            # cffi's TypeError, in words that name what it takes.
            raise TypeError("buffer() argument 1 must be a cdata, not %s" % type(cdata).__name__)
        ffi = _plain_ffi()
        if size is None or size < 0:
            kind = ffi.typeof(cdata).kind
            size = ffi.sizeof(ffi.typeof(cdata).item) if kind == "pointer" else ffi.sizeof(cdata)
        self._keep = cdata
        self._addr = ffi._address(cdata)
        memory = (ctypes.c_char * size).from_address(self._addr)
        # Every view made of this one (``memoryview(buf)``, ``buf.view``)
        # holds the ctypes array: it keeps the cdata whose memory it is alive
        # (a returned record's bytes are inside its cdata, which a later
        # call's result may reuse once it is dead).
        memory._wyvern_keep = cdata
        self.view = memoryview(memory).cast("B")
        if ffi._read_only(cdata):
            # A const global's memory may be in a read-only segment.
            self.view = self.view.toreadonly()

    def __len__(self):
        return len(self.view)

    def __getitem__(self, index):
        got = self.view[index]
        return got.tobytes() if isinstance(got, memoryview) else bytes([got])

    def __setitem__(self, index, value):
        if self.view.readonly:
            raise TypeError("buffer of a const global's memory, which may be read-only: it cannot be written")
        if isinstance(index, int):
            value = value[0] if isinstance(value, (bytes, bytearray)) else value
        self.view[index] = value

    def __bytes__(self):
        return self.view.tobytes()

    def __buffer__(self, flags):
        return self.view

    def _other(self, other):
        return bytes(other) if isinstance(other, (buffer, bytes, bytearray, memoryview)) else None

    def __eq__(self, other):
        o = self._other(other)
        return NotImplemented if o is None else bytes(self) == o

    def __ne__(self, other):
        o = self._other(other)
        return NotImplemented if o is None else bytes(self) != o

    def __lt__(self, other):
        o = self._other(other)
        return NotImplemented if o is None else bytes(self) < o

    def __le__(self, other):
        o = self._other(other)
        return NotImplemented if o is None else bytes(self) <= o

    def __gt__(self, other):
        o = self._other(other)
        return NotImplemented if o is None else bytes(self) > o

    def __ge__(self, other):
        o = self._other(other)
        return NotImplemented if o is None else bytes(self) >= o

    __hash__ = None

    def __repr__(self):
        return "<wyvern buffer %#x of %d bytes>" % (self._addr, len(self))


class FFI(_FFI):
    """cffi's ``FFI``, for ABI mode, on wyvern's C type system."""

    error = FFIError
    CData = CData
    CType = CType
    buffer = buffer
    # dlopen's flags, as cffi names them (glibc's values).
    RTLD_LAZY = 0x00001
    RTLD_NOW = 0x00002
    RTLD_NOLOAD = 0x00004
    RTLD_DEEPBIND = 0x00008
    RTLD_GLOBAL = 0x00100
    RTLD_LOCAL = 0
    RTLD_NODELETE = 0x01000

    def init_once(self, func, tag):
        """Runs ``func()`` once per ``tag`` for this FFI, even from several
        threads at once, and returns its result every time (cffi's)."""
        import threading

        lock = self.__dict__.setdefault("_init_once_lock", threading.Lock())
        with lock:
            done = self.__dict__.setdefault("_init_once_done", {})
            entry = done.get(tag)
            if entry is None:
                entry = done[tag] = [threading.Lock(), False, None]
        with entry[0]:
            if not entry[1]:
                entry[2] = func()
                entry[1] = True
        return entry[2]

    def __new__(cls, backend=None):
        return super().__new__(cls, backend)

    def callback(self, cdecl, python_callable=None, error=None, onerror=None):
        """A C function pointer of type ``cdecl`` calling ``python_callable``;
        without it, a decorator. An exception in the callback is given to
        ``onerror(exc_type, exc_value, traceback)`` (whose non-None result C
        gets) or printed, and C gets ``error``."""
        if python_callable is None:
            return lambda fn: self._callback(cdecl, fn, error, onerror)
        return self._callback(cdecl, python_callable, error, onerror)

    def from_buffer(self, cdecl, python_buffer=None, require_writable=False):
        """A ``char[]`` (or ``cdecl``) cdata over a Python buffer's own memory,
        which it keeps alive and exported (a ``bytearray`` cannot be resized
        under it) while the cdata lives."""
        if python_buffer is None:
            cdecl, python_buffer = "char[]", cdecl
        export = _Export(python_buffer)
        if require_writable and export.readonly:
            raise BufferError("from_buffer() requires a writable buffer")
        ctype = self.typeof(cdecl) if isinstance(cdecl, str) else cdecl
        item = self.sizeof(ctype.item)
        if ctype.kind == "array":
            length = export.nbytes // item if ctype.length is None else ctype.length
            needed = length * item
        else:
            length, needed = None, item
        if needed > export.nbytes:
            raise ValueError("buffer is too small (%d bytes) for '%s' (%d bytes)" % (export.nbytes, ctype.cname, needed))
        return self._from_address(ctype, export.addr, length, (python_buffer, export))

    def memmove(self, dest, src, n):
        """Copies ``n`` bytes from ``src`` to ``dest`` (cdata pointers or
        arrays, or Python buffers), which may overlap."""
        import ctypes

        if n < 0:
            raise ValueError("memmove() of a negative size (%d)" % n)
        (to, dest_export), (frm, src_export) = _address_of(self, dest, True), _address_of(self, src, False)
        for what, obj, export in (("dest", dest, dest_export), ("src", src, src_export)):
            # A Python buffer's size is known, and so is the memory of a cdata
            # that ffi.new made (or an array's): never read or write past it.
            have = export.nbytes if export is not None else self._extent(obj)
            if have is not None and have < n:
                raise ValueError("memmove() of %d bytes: %s has only %d" % (n, what, have))
        ctypes.memmove(to, frm, n)

    def include(self, what, lib=None, include_dirs=None, defines=None):
        """``ffi.include(other_ffi)`` takes another FFI's declarations, as in
        cffi, and returns None. ``ffi.include("<zlib.h>", lib="libz.so.1")``
        reads a header and opens its library in one step, returning the
        library. Without ``lib=``, the header's declarations are added and the
        process itself is returned (``dlopen(None)``): its functions are those
        already loaded (libc's for ``<stdio.h>``); another library's are
        reached with ``lib=`` or ``ffi.dlopen``."""
        if isinstance(what, _FFI):
            if what is self:
                raise ValueError("an FFI cannot include itself")
            self._include_ffi(what)
            return None
        text = "\n".join("#include %s" % (h if h[:1] in "<\"" else '"%s"' % h) for h in ([what] if isinstance(what, str) else what))
        self.cdef(text, include_dirs=include_dirs, defines=defines)
        return self.dlopen(lib)

    def _include_ffi(self, other):
        import tempfile, os

        fd, path = tempfile.mkstemp(suffix=".wydb")
        os.close(fd)
        try:
            other.save(path)
            self.load(path)
        finally:
            os.unlink(path)

    def new_allocator(self, alloc=None, free=None, should_clear_after_alloc=True):
        """cffi's ``new_allocator``: here every object is zeroed and owned by
        its cdata; a custom ``alloc``/``free`` pair is called through C."""
        if alloc is None and free is None:
            return self.new

        def allocate(cdecl, init=None):
            ctype = self.typeof(cdecl) if isinstance(cdecl, str) else cdecl
            if ctype.kind not in ("pointer", "array"):
                raise TypeError("expected a pointer or array ctype, got '%s'" % ctype.cname)
            item = self.sizeof(ctype.item)
            length = ctype.length if ctype.kind == "array" else None
            if ctype.kind == "array" and length is None:
                # `T[]`: the length is an int, or the initializer's.
                if isinstance(init, int):
                    length, init = init, None
                elif isinstance(init, bytes) and item == 1:
                    length = len(init) + 1
                else:
                    length = len(init)
            size = item if length is None else item * length
            p = alloc(size)
            if not p:
                raise MemoryError("alloc() returned NULL")
            if should_clear_after_alloc:
                ctypes_memset(self._address(p), size)
            if length is None:
                q = self.cast(ctype, p)
                if init is not None:
                    q[0] = init
                return self.gc(q, free) if free is not None else q
            # An array over the memory, keeping what frees it alive.
            keep = self.gc(self.cast("void *", p), free) if free is not None else p
            array = self._from_address(ctype, self._address(p), length, keep)
            if isinstance(init, bytes):
                self.memmove(array, init + b"\0", min(len(init) + 1, size))
            elif init is not None:
                array[0 : len(init)] = init
            return array

        return allocate

    def release(self, cdata):
        """Runs an ``ffi.gc`` object's destructor now (once); memory
        ``ffi.new`` owns is freed with its last reference."""
        cdata.__exit__(None, None, None)

    def list_types(self):
        return _FFI.list_types(self)


def ctypes_memset(addr, size):
    import ctypes

    ctypes.memset(addr, 0, size)


def cdata_kind(ffi, cdata):
    return ffi.typeof(cdata).kind


def _address_of(ffi, obj, writable):
    """Where a cdata's or a Python buffer's bytes are, and what keeps a
    buffer exported until the caller is done with it."""
    if isinstance(obj, CData):
        if writable and ffi._read_only(obj):
            raise TypeError(
                "memmove() cannot write into cdata '%s': a const global's memory, which may be read-only"
                % ffi.typeof(obj).cname
            )
        return ffi._address(obj), None
    export = _Export(obj)
    if writable and export.readonly:
        raise TypeError("memmove() cannot write into a read-only buffer (%s)" % type(obj).__name__)
    return export.addr, export


class _Export:
    """A Python buffer's memory (``PyObject_GetBuffer``), contiguous, held
    exported while this object lives: the exporter cannot resize or free it."""

    __slots__ = ("_view", "addr", "nbytes", "readonly")

    def __init__(self, obj):
        import ctypes

        if isinstance(obj, buffer):
            obj = obj.view  # before Python 3.12, a class has no buffer protocol
        view = _py_buffer_type()()
        # PyBUF_SIMPLE: contiguous bytes, or the exporter raises BufferError.
        ctypes.pythonapi.PyObject_GetBuffer(ctypes.py_object(obj), ctypes.byref(view), 0)
        self._view = view
        self.addr = view.buf or 0
        self.nbytes = view.len
        self.readonly = bool(view.readonly)

    def __del__(self):
        import ctypes

        view, self._view = getattr(self, "_view", None), None
        if view is not None:
            ctypes.pythonapi.PyBuffer_Release(ctypes.byref(view))


_PY_BUFFER = []


def _py_buffer_type():
    """ctypes' ``Py_buffer``, made once."""
    if not _PY_BUFFER:
        import ctypes

        class PyBuffer(ctypes.Structure):
            _fields_ = [
                ("buf", ctypes.c_void_p),
                ("obj", ctypes.c_void_p),
                ("len", ctypes.c_ssize_t),
                ("itemsize", ctypes.c_ssize_t),
                ("readonly", ctypes.c_int),
                ("ndim", ctypes.c_int),
                ("format", ctypes.c_char_p),
                ("shape", ctypes.c_void_p),
                ("strides", ctypes.c_void_p),
                ("suboffsets", ctypes.c_void_p),
                ("internal", ctypes.c_void_p),
            ]

        _PY_BUFFER.append(PyBuffer)
    return _PY_BUFFER[0]
