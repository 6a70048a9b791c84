package dev.adapt.dispatcher.plans;

/** The artifact of one stage, as pushed to workers. */
public record StageSlice(int stage, String sha256, byte[] bytes) {}
