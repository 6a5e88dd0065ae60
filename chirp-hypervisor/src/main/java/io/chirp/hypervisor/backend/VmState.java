package io.chirp.hypervisor.backend;

/** A VM's run state, as every back-end can report it. */
public enum VmState {
    RUNNING, PAUSED, STOPPED, CRASHED, SUSPENDED, UNKNOWN
}
