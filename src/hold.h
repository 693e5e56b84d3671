/* SPDX-License-Identifier: BSD-2-Clause */
/* hold.h - keeps processes frozen at exec stopped against SIGCONT until
 * user space has decided them (hold.bpf.c, fexit/get_signal). */
#ifndef NOMINE_HOLD_H
#define NOMINE_HOLD_H

#include <stddef.h>

struct hold;

/* Loads and attaches the hold program on the exec program's frozen map
 * (frozen_fd). NULL with errno set and the reason in err where the kernel
 * has no BPF trampolines or refuses the program: frozen processes can then
 * be resumed by anyone's SIGCONT. */
struct hold *hold_open(int frozen_fd, char *err, size_t errlen);
void hold_close(struct hold *h);

#endif
