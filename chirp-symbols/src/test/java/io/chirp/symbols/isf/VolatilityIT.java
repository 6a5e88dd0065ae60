package io.chirp.symbols.isf;

import io.chirp.lab.WithLabGuest;

/** {@link VolatilityChecks} on the lab's default kernel (Debian's 6.1 generic). */
@WithLabGuest
class VolatilityIT extends VolatilityChecks {}
