package io.chirp.symbols.isf;

import io.chirp.lab.WithLabGuest;

/**
 * {@link VolatilityChecks} on Debian's 6.12 generic kernel: the layouts Volatility reads (maple tree VMAs, the
 * printk ringbuffer, x64_sys_call dispatch) differ from 6.1, and the ISF comes from this kernel's own BTF.
 */
@WithLabGuest(kernel = "linux-image-6.12-amd64", shared = false)
class Volatility612IT extends VolatilityChecks {}
