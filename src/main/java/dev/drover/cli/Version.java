package dev.drover.cli;

import picocli.CommandLine;

/** The version printed by {@code drover --version}: the jar's, or "development". */
final class Version implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = Main.class.getPackage().getImplementationVersion();
    return new String[] {"drover " + (v == null ? "development" : v)};
  }
}
