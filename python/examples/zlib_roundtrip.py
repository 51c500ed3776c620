"""A zlib round trip from <zlib.h> and libz.so.1: no cdef written by hand."""
import wyvern

ffi = wyvern.FFI()
z = ffi.include("<zlib.h>", lib="libz.so.1")

text = b"wyvern calls C from its headers. " * 20
bound = z.compressBound(len(text))
packed, packed_len = ffi.new("Bytef[]", bound), ffi.new("uLongf *", bound)
assert z.compress(packed, packed_len, text, len(text)) == z.Z_OK
unpacked, unpacked_len = ffi.new("Bytef[]", len(text)), ffi.new("uLongf *", len(text))
assert z.uncompress(unpacked, unpacked_len, packed, packed_len[0]) == z.Z_OK
assert ffi.unpack(ffi.cast("char *", unpacked), unpacked_len[0]) == text
print(f"zlib {ffi.string(z.zlibVersion()).decode()}: {len(text)} bytes -> {packed_len[0]} -> {unpacked_len[0]}")
