/* A missing semicolon after a declaration: an error (a missing one after
 * the last field of a struct is only a warning). wyvern must report it at
 * line 7, column 17. */
struct broken {
    int a;
};
int first_global
int second_global;
