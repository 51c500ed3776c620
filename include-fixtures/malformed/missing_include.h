/* An #include that cannot be found: wyvern must report this location. */
#include "does_not_exist.h"

struct after_missing {
    int x;
};
