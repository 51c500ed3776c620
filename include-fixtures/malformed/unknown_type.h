/* A field of a type that was never declared: wyvern must report this location. */
struct s {
    int ok;
    no_such_type x;
};
