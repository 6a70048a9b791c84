package dev.adapt.dispatcher.api;

/** How the server names itself to clients. */
final class ServerInfo {
  static final String NAME = "adapt";
  static final String VERSION = "0.1.0";

  private ServerInfo() {}
}
