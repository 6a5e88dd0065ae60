package io.chirp.fleet;
