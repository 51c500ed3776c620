/* A bare libclang parse as a process: the floor for `wyvern dump` as a process
 * (benches/startup.rs). Opens the libclang named by argv[1] itself, parses
 * argv[2] as the in-memory file bare.c with the compiler arguments argv[3..],
 * and exits 0 when libclang produced a translation unit. No libclang headers
 * needed: the four functions are declared here with libclang's signatures. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct CXUnsavedFile {
    const char *Filename;
    const char *Contents;
    unsigned long Length;
};

typedef void *CXIndex;
typedef void *CXTranslationUnit;

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: bare_parse LIBCLANG OPTIONS TEXT [ARG...]\n");
        return 2;
    }
    void *lib = dlopen(argv[1], RTLD_NOW);
    if (!lib) {
        fprintf(stderr, "%s\n", dlerror());
        return 2;
    }
    CXIndex (*create_index)(int, int) = (CXIndex(*)(int, int))dlsym(lib, "clang_createIndex");
    int (*parse)(CXIndex, const char *, const char *const *, int, struct CXUnsavedFile *,
                 unsigned, unsigned, CXTranslationUnit *) =
        (int (*)(CXIndex, const char *, const char *const *, int, struct CXUnsavedFile *,
                 unsigned, unsigned, CXTranslationUnit *))dlsym(lib, "clang_parseTranslationUnit2");
    void (*dispose_tu)(CXTranslationUnit) =
        (void (*)(CXTranslationUnit))dlsym(lib, "clang_disposeTranslationUnit");
    void (*dispose_index)(CXIndex) = (void (*)(CXIndex))dlsym(lib, "clang_disposeIndex");
    if (!create_index || !parse || !dispose_tu || !dispose_index) {
        fprintf(stderr, "%s is not a libclang\n", argv[1]);
        return 2;
    }
    CXIndex index = create_index(0, 0);
    unsigned options = (unsigned)strtoul(argv[2], 0, 0);
    struct CXUnsavedFile file = {"bare.c", argv[3], strlen(argv[3])};
    CXTranslationUnit tu = 0;
    int err = parse(index, "bare.c", (const char *const *)argv + 4, argc - 4, &file, 1, options,
                    &tu);
    if (err != 0 || !tu) {
        fprintf(stderr, "libclang failed to parse (error %d)\n", err);
        return 1;
    }
    dispose_tu(tu);
    dispose_index(index);
    return 0;
}
