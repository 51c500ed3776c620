//! The system-header corpus: real headers whose records, functions, typedefs and
//! constants the tests compare against gcc and across libclang versions.

/// System headers, with records each must list (`a|b`: either name).
pub const SYSTEM_HEADERS: &[(&str, &[&str])] = &[
    ("sys/stat.h", &["struct stat"]),
    ("time.h", &["struct timespec", "struct tm"]),
    (
        "signal.h",
        &[
            "struct sigaction",
            "siginfo_t",
            "stack_t|struct sigaltstack",
        ],
    ),
    ("netdb.h", &["struct addrinfo", "struct hostent"]),
    (
        "pthread.h",
        &["pthread_mutex_t", "pthread_attr_t|union pthread_attr_t"],
    ),
    (
        "elf.h",
        &["Elf64_Ehdr", "Elf32_Ehdr", "Elf64_Sym", "Elf64_Phdr"],
    ),
    (
        "regex.h",
        &["regex_t|struct re_pattern_buffer", "regmatch_t"],
    ),
    (
        "sys/epoll.h",
        &["struct epoll_event", "epoll_data_t|union epoll_data"],
    ),
    (
        "ucontext.h",
        &["ucontext_t|struct ucontext_t", "mcontext_t"],
    ),
    ("termios.h", &["struct termios"]),
    ("stdio.h", &["struct _IO_FILE", "__mbstate_t"]),
    ("stdlib.h", &["div_t", "ldiv_t", "struct random_data"]),
    ("dirent.h", &["struct dirent"]),
    (
        "sys/socket.h",
        &[
            "struct sockaddr",
            "struct msghdr",
            "struct sockaddr_storage",
        ],
    ),
    (
        "netinet/in.h",
        &[
            "struct sockaddr_in",
            "struct sockaddr_in6",
            "struct in6_addr",
        ],
    ),
    ("sys/time.h", &["struct timeval", "struct itimerval"]),
    ("sys/resource.h", &["struct rlimit", "struct rusage"]),
    ("sys/utsname.h", &["struct utsname"]),
    ("pwd.h", &["struct passwd"]),
    ("grp.h", &["struct group"]),
    ("glob.h", &["glob_t"]),
    ("sys/statvfs.h", &["struct statvfs"]),
    ("sys/uio.h", &["struct iovec"]),
    ("sys/ipc.h", &["struct ipc_perm"]),
    ("sys/shm.h", &["struct shmid_ds"]),
    ("sys/sem.h", &["struct sembuf", "struct semid_ds"]),
    (
        "link.h",
        &["struct link_map", "struct r_debug", "Elf64_Dyn"],
    ),
    ("fenv.h", &["fenv_t"]),
    ("locale.h", &["struct lconv"]),
    ("search.h", &["struct entry|ENTRY"]),
    ("utmp.h", &["struct utmp", "struct lastlog"]),
    ("sys/sysinfo.h", &["struct sysinfo"]),
    ("wordexp.h", &["wordexp_t"]),
    ("sys/wait.h", &["siginfo_t"]),
    ("sched.h", &["struct sched_param", "cpu_set_t"]),
    ("setjmp.h", &["struct __jmp_buf_tag"]),
    ("wchar.h", &["__mbstate_t"]),
];

/// Headers of libraries that may not be installed; skipped when absent.
pub const OPTIONAL_HEADERS: &[(&str, &[&str])] = &[
    ("zlib.h", &["struct z_stream_s|z_stream"]),
    (
        "sqlite3.h",
        &["struct sqlite3_vfs", "struct sqlite3_io_methods"],
    ),
    ("png.h", &["struct png_color_struct|png_color"]),
    ("X11/Xlib.h", &["union _XEvent|XEvent", "XWindowAttributes"]),
];

/// Every header of the corpus that is installed here, as `<name.h>`.
pub fn installed_headers() -> Vec<String> {
    SYSTEM_HEADERS
        .iter()
        .map(|&(name, _)| name)
        .chain(
            OPTIONAL_HEADERS
                .iter()
                .map(|&(name, _)| name)
                .filter(|name| super::header_installed(name)),
        )
        .map(|name| format!("<{name}>"))
        .collect()
}
