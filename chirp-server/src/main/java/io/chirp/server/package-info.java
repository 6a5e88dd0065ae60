package io.chirp.server;
