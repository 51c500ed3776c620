/*
 * asm_labels.h - declarations whose symbols are asm labels, as glibc's
 * __REDIRECT makes `sscanf` link to `__isoc99_sscanf`. tests/it/asm_labels.rs
 * builds asm_labels.c into a shared library with gcc and checks that wyvern,
 * called by these C names, reaches the labelled symbols as gcc-compiled code
 * does.
 *
 * asm_labels.c also defines symbols under the plain C names (`labelled_add`,
 * `labelled_counter`), with other behaviour: a caller that ignored the labels
 * would silently reach those instead.
 */
#ifndef WYVERN_FIXTURE_ASM_LABELS_H
#define WYVERN_FIXTURE_ASM_LABELS_H

/* A function whose symbol is its label. */
int labelled_add(int a, int b) __asm__("labelled_add_v2");

/* A variable whose symbol is its label. */
extern int labelled_counter __asm__("labelled_counter_v2");

/* The label through a macro, the way glibc's <sys/cdefs.h> spells __REDIRECT. */
#define WY_REDIRECT(name, proto, alias) name proto __asm__(#alias)
extern int WY_REDIRECT(redirected_scale, (int x), redirected_scale_v2);

/* A label given by a later declaration (C allows it before any use). */
int late_label(void);
int late_label(void) __asm__("late_label_v2");

/* An unlabelled function next to them, reached by its name. */
int plain_sub(int a, int b);

#endif
