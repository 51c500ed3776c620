"""A deliberately broken FFI (real cffi with four methods spoiled) that shows the port's
harness reports what goes wrong rather than hiding it:

    PYTHONPATH=harness_check python report.py --ffi brokenffi --hang-seconds 5 --output /tmp/broken.md

expects failures (ffi.string returns "wrong"), tests that skip themselves
(ffi.buffer raises NotImplementedError: counted as not passed), crashes (ffi.gc
dereferences NULL: "crashed the interpreter (signal 11)", and the run resumes with
the next test), hangs (ffi.offsetof sleeps: "hung ... killed"), and CDefError listed
as missing (this module does not export it).
"""

import ctypes
import time

import cffi
from cffi import FFIError, VerificationError, VerificationMissing  # noqa: F401 (CDefError left out)

__version__ = "broken-0"


class FFI(cffi.FFI):
    def __init__(self):
        super().__init__()
        # cffi's FFI sets these in __init__, so overriding them takes assignment.
        self.buffer = self._no_buffer
        self.offsetof = self._hang

    def _no_buffer(self, *args, **kwargs):
        raise NotImplementedError("no buffer here")

    def _hang(self, *args, **kwargs):
        time.sleep(1000)

    def string(self, *args, **kwargs):
        return "wrong"

    def gc(self, *args, **kwargs):
        ctypes.string_at(0)
