"""Which FFI the upstream cffi tests run against, and the shim that puts it in cffi's place.

The upstream files (upstream/testing/cffi0/*.py) are unchanged; they say
``from cffi import FFI, CDefError, FFIError, VerificationMissing`` and
``from cffi.backend_ctypes import CTypesBackend``, and testing/support.py says
``from cffi._imp_emulation import load_dynamic``. Each test makes its FFI with
``FFI(backend=self.Backend())``, so the runner classes (test_cffi_port.py) give the
mixins a ``Backend``.

``CFFI_PORT_FFI`` names the module whose ``FFI`` is tested:

- ``cffi`` (baseline): real cffi, ``Backend`` returns ``_cffi_backend``, exactly as
  cffi's own testing/cffi0/test_ffi_backend.py runs these mixins.
- anything else, e.g. ``wyvern`` (the default): while the upstream modules are
  imported, ``sys.modules['cffi']`` is a stand-in module whose ``FFI`` calls
  ``<module>.FFI()`` (the ``backend=`` argument is dropped, so an ``FFI`` that takes
  no arguments and one that accepts and ignores ``backend=`` both work), whose
  exceptions are the module's own (a placeholder class that nothing raises where the
  module lacks one, listed in ``Port.missing``), and whose ``CTypesBackend`` is a
  sentinel that is never the backend. ``Backend()`` returns a proxy reading
  attributes (``RTLD_LAZY`` in test_dlopen_handle) from the module, then from an
  ``FFI()`` instance. The real ``sys.modules`` entries are put back afterwards.

``CFFI_PORT_SHIM=1`` with ``CFFI_PORT_FFI=cffi`` runs real cffi through that stand-in:
its pass count matching the baseline's shows the shim itself loses nothing.
"""

import importlib
import os
import sys
import types
from pathlib import Path

HERE = Path(__file__).resolve().parent
UPSTREAM = HERE / "upstream"
UPSTREAM_VERSION = "2.1.1"
NOT_APPLICABLE = HERE / "not_applicable.txt"

# `repr(ffi.typeof(...))` the tests expect: _cffi_backend's, which wyvern copies.
TYPE_REPR = "<ctype '%s'>"

# The names `from cffi import ...` takes in the upstream files, besides FFI.
EXCEPTIONS = ("CDefError", "FFIError", "VerificationError", "VerificationMissing")


class Port:
    """The chosen FFI: what the runner classes and the report need to know."""

    def __init__(self, module_name, shimmed, module, backend, missing):
        self.module_name = module_name
        self.shimmed = shimmed
        self.module = module
        self.backend = backend  # called by the tests as self.Backend()
        self.missing = missing  # exception names the module lacks

    def describe(self):
        """One line naming the module, its version and file, and the mode."""
        version = getattr(self.module, "__version__", "unknown version")
        where = getattr(self.module, "__file__", None) or "built in"
        how = "through the cffi stand-in" if self.shimmed else "as cffi's own test_ffi_backend.py runs it"
        return f"{self.module_name} {version} ({where}), {how}"


class _CTypesBackendSentinel:
    """Stands for cffi.backend_ctypes.CTypesBackend: never the backend under test."""


class _BackendProxy:
    """What ``self.Backend()`` returns under the stand-in; FFI() drops it."""

    def __init__(self, module):
        self._module = module

    def __getattr__(self, name):
        if hasattr(self._module, name):
            return getattr(self._module, name)
        return getattr(self._module.FFI(), name)

    def __repr__(self):
        return f"<backend proxy for {self._module.__name__}>"


def _load_dynamic(name, path):
    raise NotImplementedError(
        "cffi._imp_emulation.load_dynamic: API mode (recompile) is not part of the ABI-mode port"
    )


def _stand_in(module):
    """A module object to import as ``cffi`` whose names come from ``module``."""
    missing = []
    fake = types.ModuleType("cffi", f"stand-in for cffi over {module.__name__}")

    def FFI(backend=None):
        return module.FFI()

    FFI.__doc__ = f"{module.__name__}.FFI(); cffi's backend= argument is dropped"
    fake.FFI = FFI
    for name in EXCEPTIONS:
        cls = getattr(module, name, None)
        if cls is None:
            missing.append(name)
            cls = type(name, (Exception,), {"__doc__": f"{module.__name__} has no {name}"})
        setattr(fake, name, cls)
    fake.__version__ = getattr(module, "__version__", "0")
    ctypes_mod = types.ModuleType("cffi.backend_ctypes")
    ctypes_mod.CTypesBackend = _CTypesBackendSentinel
    imp_mod = types.ModuleType("cffi._imp_emulation")
    imp_mod.load_dynamic = _load_dynamic
    fake.backend_ctypes = ctypes_mod
    fake._imp_emulation = imp_mod
    return {"cffi": fake, "cffi.backend_ctypes": ctypes_mod, "cffi._imp_emulation": imp_mod}, missing


def _import_upstream(replacements):
    """Imports the upstream modules with ``replacements`` in sys.modules, then restores it."""
    if str(UPSTREAM) not in sys.path:
        sys.path.insert(0, str(UPSTREAM))
    saved = {name: sys.modules.get(name) for name in replacements}
    sys.modules.update(replacements)
    try:
        for name in ("testing.support", "testing.cffi0.backend_tests", "testing.cffi0.test_ownlib"):
            importlib.import_module(name)
    finally:
        for name, old in saved.items():
            if old is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = old
    return sys.modules["testing.cffi0.backend_tests"], sys.modules["testing.cffi0.test_ownlib"]


def choose():
    """Reads CFFI_PORT_FFI / CFFI_PORT_SHIM, imports the FFI and the upstream modules.

    Returns (port, backend_tests module, test_ownlib module). Raises ImportError,
    naming the variable, when the module cannot be imported.
    """
    name = os.environ.get("CFFI_PORT_FFI", "wyvern")
    shimmed = name != "cffi" or os.environ.get("CFFI_PORT_SHIM") == "1"
    try:
        module = importlib.import_module(name)
    except ImportError as e:
        raise ImportError(
            f"CFFI_PORT_FFI={name}: cannot import {name} ({e}); install it into this "
            f"Python, or set CFFI_PORT_FFI=cffi for the baseline"
        ) from e
    if not shimmed:
        import _cffi_backend

        upstream = _import_upstream({})
        return Port(name, False, module, lambda: _cffi_backend, []), *upstream
    replacements, missing = _stand_in(module)
    upstream = _import_upstream(replacements)
    proxy = _BackendProxy(module)
    return Port(name, True, module, lambda: proxy, missing), *upstream


def not_applicable():
    """{upstream test id: reason} from not_applicable.txt (``id  reason`` lines, # comments)."""
    table = {}
    for line in NOT_APPLICABLE.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        test_id, _, reason = line.partition(" ")
        table[test_id] = reason.strip() or "no reason given"
    return table


def upstream_id(function):
    """``backend_tests.py::test_x`` for a test function defined in an upstream module."""
    return f"{function.__module__.rsplit('.', 1)[-1]}.py::{function.__name__}"
