/* SPDX-License-Identifier: BSD-2-Clause */
/* default_config.S - embeds config/default.yaml as the built-in default config. */
	.section .rodata
	.global nomine_default_config
	.global nomine_default_config_end
nomine_default_config:
	.incbin "config/default.yaml"
nomine_default_config_end:
	.byte 0
	.section .note.GNU-stack,"",@progbits
