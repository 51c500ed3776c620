"""cffi's own ABI-mode tests (upstream/, unchanged) against the FFI that port.py chose.

The two classes are what cffi's testing/cffi0/test_ffi_backend.py does with the
same mixins for _cffi_backend: subclass them and give them a Backend and TypeRepr.
"""

from port import TYPE_REPR, choose

PORT, backend_tests, test_ownlib = choose()


class TestBackendTests(backend_tests.BackendTests):
    TypeRepr = TYPE_REPR
    Backend = staticmethod(PORT.backend)


class TestOwnLib(test_ownlib.TestOwnLib):
    Backend = staticmethod(PORT.backend)
